from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """第二十六条: records, their versions, signatures and services are never altered or deleted,
    not even through the ORM; a correction is a new version."""

    dependencies = [("records", "0001_initial")]

    operations = [
        protect(
            "records_record",
            "records_recordversion",
            "records_signature",
            "records_signature_witnesses",
            "records_service",
        )
    ]

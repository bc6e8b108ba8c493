from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """第二十六条: originals' rows, their acquisitions and bindings are never changed or deleted."""

    dependencies = [("evidence", "0001_initial")]

    operations = [protect("evidence_evidence", "evidence_acquisition", "evidence_binding")]

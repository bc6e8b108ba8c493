from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """Marks, requests, decisions, grants and revocations are never changed (第二十六条)."""

    dependencies = [("access", "0001_initial")]

    operations = [
        protect(
            "access_confidentialitymark",
            "access_accessrequest",
            "access_requestedevidence",
            "access_accessdecision",
            "access_grant",
            "access_revocation",
        )
    ]

from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """第二十六条: importance marks, verified copies and problems found are never changed."""

    dependencies = [("replication", "0001_initial")]

    operations = [
        protect(
            "replication_importancemark", "replication_replicacopy", "replication_replicaproblem"
        )
    ]

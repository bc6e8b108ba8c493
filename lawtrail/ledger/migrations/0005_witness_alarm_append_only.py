from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """A refused split view or rewritten history is evidence against a unit: kept for ever."""

    dependencies = [("ledger", "0004_tree_append_only")]

    operations = [protect("ledger_witnessalarm")]

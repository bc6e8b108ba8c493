from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """Tree nodes, checkpoints and cosignatures are append-only like the events (第二十六条)."""

    dependencies = [("ledger", "0003_merkle_tree")]

    operations = [protect("ledger_node", "ledger_checkpoint", "ledger_cosignature")]

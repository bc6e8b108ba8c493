from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """Working copies are kept like originals: a new binding makes a new one (第十九条)."""

    dependencies = [("evidence", "0003_derivative")]

    operations = [protect("evidence_derivative")]

from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """第二十六条: nobody deletes or alters an event, not even through the ORM."""

    dependencies = [("ledger", "0001_initial")]

    operations = [protect("ledger_event")]

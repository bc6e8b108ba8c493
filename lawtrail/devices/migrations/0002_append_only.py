from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    """第二十三条: who held a device, and its status, at any moment stays answerable: the
    history of assignments and statuses is never changed or deleted."""

    dependencies = [("devices", "0001_initial")]

    operations = [protect("devices_assignment", "devices_statuschange")]

from django.db import migrations

from lawtrail.ledger.immutability import protect


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [protect("archive_archivepackage", "archive_packagecheck")]

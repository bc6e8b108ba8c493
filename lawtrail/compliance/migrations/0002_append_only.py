from django.db import migrations

from lawtrail.compliance.immutability import guard_findings
from lawtrail.ledger.immutability import protect


def load_calendar(apps, schema_editor):
    from lawtrail.compliance.calendar import calendar_rows

    CalendarDay = apps.get_model("compliance", "CalendarDay")
    CalendarDay.objects.all().delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(
                date=row.date,
                is_working=row.is_working,
                working_index=row.working_index,
                name=row.name,
                official=row.official,
            )
            for row in calendar_rows()
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [
        guard_findings(),
        protect(
            "compliance_finding_officers",
            "compliance_explanation",
            "compliance_assessment",
            "compliance_auditsample",
            "compliance_audititem",
            "compliance_auditresult",
        ),
        migrations.RunPython(load_calendar, migrations.RunPython.noop),
    ]

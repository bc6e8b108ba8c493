from django.db import migrations

from lawtrail.ledger.immutability import harden

#: Every table protected so far (by ``protect`` in these apps' migrations), and the findings,
#: which their own trigger lets close but never delete (lawtrail/compliance/immutability.py).
TABLES = (
    "ledger_event",
    "ledger_node",
    "ledger_checkpoint",
    "ledger_cosignature",
    "ledger_witnessalarm",
    "access_confidentialitymark",
    "access_accessrequest",
    "access_requestedevidence",
    "access_accessdecision",
    "access_grant",
    "access_revocation",
    "archive_archivepackage",
    "archive_packagecheck",
    "compliance_finding",
    "compliance_finding_officers",
    "compliance_explanation",
    "compliance_assessment",
    "compliance_auditsample",
    "compliance_audititem",
    "compliance_auditresult",
    "devices_assignment",
    "devices_statuschange",
    "evidence_evidence",
    "evidence_acquisition",
    "evidence_binding",
    "evidence_derivative",
    "evidence_acquisitionfinding",
    "records_record",
    "records_recordversion",
    "records_signature",
    "records_signature_witnesses",
    "records_service",
    "replication_importancemark",
    "replication_replicacopy",
    "replication_replicaproblem",
)


class Migration(migrations.Migration):
    """第二十六条: REPLACE INTO (SQLite) and TRUNCATE (PostgreSQL) remove rows without firing
    the UPDATE / DELETE triggers, so they are refused too, on every append-only table."""

    dependencies = [
        ("ledger", "0006_witness_alarm_submitted_by"),
        ("access", "0002_append_only"),
        ("archive", "0002_append_only"),
        ("compliance", "0002_append_only"),
        ("devices", "0002_append_only"),
        ("evidence", "0006_station_clock_findings"),
        ("records", "0002_append_only"),
        ("replication", "0002_append_only"),
    ]

    operations = [harden(*TABLES)]

"""The device registry (第九条, 第十一条, 第二十三条): registering, assigning, taking back and
changing the status of a device; who may; and that bad input changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from lawtrail.devices import registry
from lawtrail.devices.findings import assignment_at, status_at
from lawtrail.devices.models import Assignment, Device, StatusChange
from lawtrail.devices.tests.helpers import Crew, counts
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.ledger.models import Event


def test_an_equipment_manager_registers_a_device_of_a_kind_of_article_9(crew: Crew) -> None:
    device = registry.register_device(
        crew.equipment_a.user,
        registry.DeviceInput(
            serial="DSJ-XC-0213",
            kind=Device.Kind.BODY_CAMERA,
            agency_code="610102",
            model="DSJ-V9",
            officer="officer_a",
        ),
    )
    device.refresh_from_db()
    assert (device.status, device.agency, device.holder) == (
        Device.Status.IN_SERVICE,
        crew.p.county_a,
        crew.p.officer_a,
    )
    assert device.registered_by == crew.equipment_a.user
    assert [c.status for c in StatusChange.objects.filter(device=device)] == ["in_service"]
    actions = list(Event.objects.order_by("seq").values_list("action", flat=True))[-2:]
    assert actions == ["device.registered", "device.assigned"]
    assert set(Device.Kind.values) >= {
        "body_camera",
        "mobile_terminal",
        "camera",
        "audio_recorder",
        "interview_room",
        "hearing_room",
        "monitoring",
        "other",
    }


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("serial", "", "serial number"),
        ("serial", "DSJ 01", "serial number"),
        ("serial", "x" * 65, "serial number"),
        ("serial", "stations", "cannot be a serial"),
        ("kind", "drone", "Unknown kind"),
        ("agency_code", "999999", "No agency"),
        ("officer", "nobody", "No officer"),
        ("model", "m" * 101, "at most 100"),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_changes_nothing(
    crew: Crew, field: str, value: str, says: str
) -> None:
    data = registry.DeviceInput(serial="DSJ-XC-0001", kind="body_camera", agency_code="610102")
    setattr(data, field, value)
    before = counts()
    with pytest.raises(Invalid) as refused:
        registry.register_device(crew.equipment_a.user, data)
    assert says in refused.value.message
    assert counts() == before


def test_a_serial_is_registered_once(crew: Crew) -> None:
    crew.device("DSJ-XC-0001")
    before = counts()
    with pytest.raises(Invalid, match="already registered"):
        crew.device("DSJ-XC-0001")
    assert counts() == before


@pytest.mark.parametrize("who", ["officer_a", "head_a", "equipment_b", "supervisor", "head_city"])
def test_only_the_agencys_equipment_managers_and_admins_register(crew: Crew, who: str) -> None:
    user = getattr(crew, who, None) or getattr(crew.p, who)
    before = counts()
    with pytest.raises(Forbidden, match="equipment managers"):
        registry.register_device(
            user.user,
            registry.DeviceInput(serial="DSJ-XC-0009", kind="camera", agency_code="610102"),
        )
    assert counts() == before


def test_a_system_administrator_registers_anywhere(crew: Crew) -> None:
    device = registry.register_device(
        crew.p.admin.user,
        registry.DeviceInput(serial="DSJ-BL-0001", kind="camera", agency_code="610103"),
    )
    assert device.agency == crew.p.county_b


def test_assignments_are_history_and_the_holder_at_a_moment_is_the_latest_before_it(
    crew: Crew,
) -> None:
    month_ago = timezone.now() - datetime.timedelta(days=30)
    device = crew.device("DSJ-XC-0001", crew.p.officer_a, since=month_ago)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    registry.assign_device(
        crew.equipment_a.user, device, crew.p.officer_a2, reason="张明调岗", since=week_ago
    )
    registry.unassign(crew.equipment_a.user, device, reason="送修前收回")
    device.refresh_from_db()
    assert device.holder is None
    history = [(a.officer, a.reason) for a in Assignment.objects.filter(device=device)]
    assert history == [
        (crew.p.officer_a, ""),
        (crew.p.officer_a2, "张明调岗"),
        (None, "送修前收回"),
    ]
    at = assignment_at(device, week_ago - datetime.timedelta(hours=1))
    assert at is not None and at.officer == crew.p.officer_a
    at = assignment_at(device, week_ago + datetime.timedelta(hours=1))
    assert at is not None and at.officer == crew.p.officer_a2
    assert assignment_at(device, month_ago - datetime.timedelta(days=1)) is None
    assert Event.objects.filter(action="device.unassigned").count() == 1


def test_the_history_cannot_be_rewritten(crew: Crew) -> None:
    """第二十三条 is answered from the history: the database refuses UPDATE and DELETE."""
    device = crew.device("DSJ-XC-0001", crew.p.officer_a)
    assignments = Assignment.objects.filter(device=device)
    changes = StatusChange.objects.filter(device=device)
    for rows in (assignments, changes):
        with pytest.raises(DatabaseError), transaction.atomic():
            rows.update(reason="rewritten")
        with pytest.raises(DatabaseError), transaction.atomic():
            rows.delete()


@pytest.mark.parametrize(
    ("arrange", "officer", "reason", "says"),
    [
        ("held", "officer_a2", "", "Say why"),
        ("held", "officer_a", "", "already assigned"),
        ("free", "officer_b", "", "another agency"),
        ("repair", "officer_a", "", "only a device in service"),
    ],
)
def test_an_assignment_that_breaks_a_rule_is_refused_and_changes_nothing(
    crew: Crew, arrange: str, officer: str, reason: str, says: str
) -> None:
    device = crew.device("DSJ-XC-0001", crew.p.officer_a if arrange == "held" else None)
    if arrange == "repair":
        registry.set_status(crew.equipment_a.user, device, "in_repair", reason="屏幕损坏")
    before = counts()
    with pytest.raises(Invalid) as refused:
        registry.assign_device(
            crew.equipment_a.user, device, getattr(crew.p, officer), reason=reason
        )
    assert says in refused.value.message
    assert counts() == before


def test_an_assignment_cannot_start_before_the_latest_or_in_the_future(crew: Crew) -> None:
    device = crew.device("DSJ-XC-0001", crew.p.officer_a)
    before = counts()
    for since, says in (
        (timezone.now() - datetime.timedelta(days=60), "before the latest"),
        (timezone.now() + datetime.timedelta(days=1), "future"),
    ):
        with pytest.raises(Invalid, match=says):
            registry.assign_device(
                crew.equipment_a.user, device, crew.p.officer_a2, reason="调岗", since=since
            )
    assert counts() == before


def test_an_assistant_may_be_assigned_and_the_event_says_they_cannot_enforce(crew: Crew) -> None:
    """第十条: 协助人员 may help record; the assignment stands out, recordings get findings."""
    crew.device("DSJ-XC-0001", crew.p.assistant_a)
    event = Event.objects.filter(action="device.assigned").order_by("-seq").first()
    assert event is not None and b'"can_enforce":false' in bytes(event.body)


def test_taking_back_a_device_nobody_holds_or_without_a_reason_is_refused(crew: Crew) -> None:
    free = crew.device("DSJ-XC-0001")
    held = crew.device("DSJ-XC-0002", crew.p.officer_a)
    before = counts()
    with pytest.raises(Invalid, match="nobody"):
        registry.unassign(crew.equipment_a.user, free, reason="x")
    with pytest.raises(Invalid, match="Say why"):
        registry.unassign(crew.equipment_a.user, held, reason=" ")
    assert counts() == before


def test_status_changes_are_kept_and_retiring_takes_the_device_back(crew: Crew) -> None:
    device = crew.device("DSJ-XC-0001", crew.p.officer_a)
    registry.set_status(crew.equipment_a.user, device, "in_repair", reason="屏幕损坏")
    device.refresh_from_db()
    assert device.holder == crew.p.officer_a  # in repair: it goes back to the same officer
    registry.set_status(crew.equipment_a.user, device, "retired", reason="无法修复")
    device.refresh_from_db()
    assert (device.status, device.holder) == ("retired", None)
    assert status_at(device, timezone.now()) == "retired"
    assert [c.status for c in StatusChange.objects.filter(device=device)] == [
        "in_service",
        "in_repair",
        "retired",
    ]
    before = counts()
    with pytest.raises(Invalid, match="final"):
        registry.set_status(crew.equipment_a.user, device, "in_service", reason="找到了")
    assert counts() == before


@pytest.mark.parametrize(
    ("status", "reason", "says"),
    [("in_service", "x", "already"), ("lost", "x", "Unknown status"), ("in_repair", "", "Say why")],
)
def test_a_bad_status_change_is_refused(crew: Crew, status: str, reason: str, says: str) -> None:
    device = crew.device("DSJ-XC-0001")
    before = counts()
    with pytest.raises(Invalid, match=says):
        registry.set_status(crew.equipment_a.user, device, status, reason=reason)
    assert counts() == before


def test_another_countys_manager_may_not_assign(crew: Crew) -> None:
    device = crew.device("DSJ-XC-0001")
    before = counts()
    with pytest.raises(Forbidden):
        registry.assign_device(crew.equipment_b.user, device, crew.p.officer_a)
    assert counts() == before


def test_an_unknown_serial_is_not_found(db: None) -> None:
    with pytest.raises(NotFound):
        registry.get_device("NOPE-1")

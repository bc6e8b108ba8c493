"""第二十六条: no path changes or removes a ledger row — not the ORM, not the admin.

Database triggers refuse UPDATE and DELETE on the events, the tree nodes, the checkpoints and
their cosignatures, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, models, transaction
from django.test import RequestFactory

from lawtrail.ledger import checkpoints, events, note, witness
from lawtrail.ledger.models import Checkpoint, Cosignature, Event, Node


@pytest.fixture
def rows(db: None) -> dict[str, models.Model]:
    checkpoints.ensure_signing_key()
    with transaction.atomic():
        events.append_many(
            [events.Pending(events.SYSTEM, "thing.made", ("thing", str(i))) for i in range(4)]
        )
    checkpoint = checkpoints.make_checkpoint()
    signer = note.Signer.from_key(note.generate_key("province.example/witness")[0])
    line = witness.sign_line(note.parse_note(checkpoint.note)[0], signer)
    cosignature = witness.store_cosignature(checkpoint, line, signer.verifier)
    return {
        "ledger_event": Event.objects.get(seq=2),
        "ledger_node": Node.objects.order_by("key").first(),  # type: ignore[dict-item]
        "ledger_checkpoint": checkpoint,
        "ledger_cosignature": cosignature,
    }


TABLES = ["ledger_event", "ledger_node", "ledger_checkpoint", "ledger_cosignature"]


def refused(action: Callable[[], object]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


@pytest.mark.parametrize("table", TABLES)
def test_a_queryset_update_is_refused_by_the_database_第二十六条(
    rows: dict[str, models.Model], table: str
) -> None:
    row = rows[table]
    model = type(row)
    field = {
        "ledger_event": ("action", "thing.unmade"),
        "ledger_node": ("hash", b"\x00" * 32),
        "ledger_checkpoint": ("note", "forged\n"),
        "ledger_cosignature": ("line", "— forged AAAA\n"),
    }[table]
    refused(lambda: model._default_manager.filter(pk=row.pk).update(**{field[0]: field[1]}))
    refused(lambda: model._default_manager.all().update(**{field[0]: field[1]}))
    row.refresh_from_db()
    assert getattr(row, field[0]) != field[1]


@pytest.mark.parametrize("table", TABLES)
def test_saving_a_changed_instance_is_refused_by_the_database(
    rows: dict[str, models.Model], table: str
) -> None:
    row = rows[table]
    refused(row.save)


@pytest.mark.parametrize("table", TABLES)
def test_a_delete_is_refused_by_the_database_第二十六条(
    rows: dict[str, models.Model], table: str
) -> None:
    row = rows[table]
    model = type(row)
    before = model._default_manager.count()
    if table != "ledger_checkpoint":  # cosignatures PROTECT checkpoints before SQL runs
        refused(row.delete)
    refused(lambda: model._default_manager.filter(pk=row.pk)._raw_delete(model._default_manager.db))
    assert model._default_manager.count() == before


@pytest.mark.parametrize(
    "sql", ["UPDATE ledger_event SET actor = 'someone else'", "DELETE FROM ledger_node"]
)
def test_raw_sql_is_refused_too(rows: dict[str, models.Model], sql: str) -> None:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    refused(run)


def test_appending_is_still_allowed(rows: dict[str, models.Model]) -> None:
    with transaction.atomic():
        event = events.append(events.SYSTEM, "thing.made", ("thing", "9"))
    assert event.seq == 4


def test_the_admin_offers_no_way_to_change_or_delete_a_ledger_row() -> None:
    request = RequestFactory().get("/admin/")
    for model in apps.get_app_config("ledger").get_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue  # not registered: the admin has no page for it at all
        for permission in (model_admin.has_change_permission, model_admin.has_delete_permission):
            assert not permission(request), f"{model.__name__} is editable in the admin"


def test_no_ledger_model_is_registered_in_the_admin() -> None:
    registered = {m for m in admin.site._registry if m._meta.app_label == "ledger"}
    assert registered == set()


def test_the_models_mark_their_fields_as_not_editable() -> None:
    for field in Event._meta.concrete_fields:
        if not field.primary_key:
            assert not field.editable, f"Event.{field.name} would appear in model forms"
    assert Cosignature._meta.get_field("checkpoint").remote_field.on_delete is models.PROTECT
    assert Checkpoint._meta.get_field("size").unique

"""No ORM path changes or deletes an original's row, its acquisitions or its bindings: the
database refuses it with triggers, on SQLite and PostgreSQL alike (第二十六条, issue 4 §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from lawtrail.evidence.models import Acquisition, Binding, Evidence
from lawtrail.evidence.tests.fixtures import ingest
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province


@pytest.fixture
def rows(province: Province, media: Media) -> dict[str, Any]:
    matter = open_matter(province)
    acquisition = ingest(province.officer_a.user, media.video, matter=matter.number)
    return {
        "evidence": acquisition.evidence,
        "acquisition": acquisition,
        "binding": Binding.objects.get(),
    }


def refused(change: Callable[[], object], why: str = "append-only") -> None:
    with pytest.raises(DatabaseError, match=why), transaction.atomic():
        change()


def raw_delete(model: Any, pk: int) -> None:
    """A DELETE straight to the database, past Django's PROTECT checks."""
    model.objects.filter(pk=pk)._raw_delete(using="default")


def test_the_evidence_row_cannot_be_updated_or_deleted(rows: dict[str, Any]) -> None:
    evidence: Evidence = rows["evidence"]
    evidence.sha256 = "f" * 64
    refused(evidence.save)
    refused(lambda: Evidence.objects.filter(pk=evidence.pk).update(readable=False))
    refused(lambda: Evidence.objects.bulk_update([evidence], ["sha256"]))
    # Django's PROTECT stops the ORM's delete first; the trigger stops the raw one.
    refused(lambda: Evidence.objects.filter(pk=evidence.pk).delete(), "protected")
    refused(lambda: raw_delete(Evidence, evidence.pk))
    assert Evidence.objects.get(pk=evidence.pk).sha256 != "f" * 64


def test_an_acquisition_cannot_be_updated_or_deleted(rows: dict[str, Any]) -> None:
    acquisition: Acquisition = rows["acquisition"]
    refused(lambda: Acquisition.objects.filter(pk=acquisition.pk).update(device_serial="X"))
    same = Acquisition.objects.filter(pk=acquisition.pk)
    refused(lambda: same.update(acquired_at=timezone.now()))
    refused(lambda: Acquisition.objects.filter(pk=acquisition.pk).delete())
    refused(lambda: raw_delete(Acquisition, acquisition.pk))
    assert Acquisition.objects.filter(pk=acquisition.pk).exists()


def test_a_binding_cannot_be_updated_or_deleted(rows: dict[str, Any]) -> None:
    binding: Binding = rows["binding"]
    binding.reason = "改写历史"
    refused(binding.save)
    refused(lambda: Binding.objects.all().delete())
    assert Binding.objects.get(pk=binding.pk).reason == ""


def test_the_rows_still_read_as_written(rows: dict[str, Any]) -> None:
    evidence = Evidence.objects.get(pk=rows["evidence"].pk)
    assert evidence.acquisitions.count() == 1 and evidence.bindings.count() == 1

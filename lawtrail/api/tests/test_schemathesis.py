"""schemathesis against the OpenAPI spec (issue 6 §6): whatever a client sends that the spec
allows in shape, no endpoint answers 5xx. Run in-process through the WSGI application, as
officer_a (a handler of the matter in the data) and as officer_b (another county)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from lawtrail.api.tokens import create_token
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import fast_password_hashing, open_matter  # noqa: F401
from lawtrail.testing import Province

#: Examples per operation and persona: enough to try odd ids, strings and bodies everywhere
#: while keeping the whole run to a minute or two.
EXAMPLES = 12


@pytest.fixture
def connections_kept_open() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request (Django's test
    client switches that off); on PostgreSQL that would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.usefixtures("connections_kept_open")
@pytest.mark.parametrize("persona", ["officer_a", "officer_b"])
def test_no_request_the_spec_allows_makes_the_api_fail(
    province: Province,
    media: Media,
    evidence_home: Any,  # noqa: F811
    persona: str,
) -> None:
    matter = open_matter(province)
    ingest(province.officer_a.user, media.photo, matter=matter.number)
    token = create_token(getattr(province, persona).user)
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def attempt(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.path} -> {response.status_code}: "
                    f"{case.path_parameters} {case.query} {str(case.body)[:200]}"
                )

        attempt()
    assert not failures, "\n".join(failures[:20])

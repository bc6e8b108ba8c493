"""Background jobs of the access room."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django_tasks import task

from lawtrail.access.models import Grant
from lawtrail.errors import ActionError

log = logging.getLogger(__name__)


@task()
def make_copy_package(grant_id: int, user_id: int) -> str:
    """Make the copy package of a grant for the user who asked (第二十条); returns its name.

    The checks run again here: a grant revoked or expired while the job waited makes nothing.
    """
    from lawtrail.access.copies import make_package

    grant = Grant.objects.select_related("request", "matter__agency").get(pk=grant_id)
    user = get_user_model().objects.get(pk=user_id)
    try:
        return make_package(user, grant).name
    except ActionError as error:
        log.warning("copy package of grant %s not made: %s", grant_id, error.message)
        raise

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplicationConfig(AppConfig):
    name = "lawtrail.replication"
    verbose_name = _("Provincial offsite copy")

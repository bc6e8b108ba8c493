from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "lawtrail.records"
    verbose_name = _("Written records")

    def ready(self) -> None:
        # Registers the stage conditions that need written records (第十三条) with
        # lawtrail.matters.stages, and checks the catalogue data once at start-up.
        from lawtrail.records import conditions
        from lawtrail.records.catalogue import catalogue

        del conditions
        catalogue()

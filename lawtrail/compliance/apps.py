from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "lawtrail.compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        # Registers every rule's check (lawtrail/compliance/checks/) and the hook that
        # evaluates them incrementally after each committed ledger event.
        from lawtrail.compliance import checks, hooks
        from lawtrail.compliance.rules import rule_specs

        del checks, hooks
        rule_specs()

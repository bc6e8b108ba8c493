"""Every rule's check, one module per theme, registered on import (``ComplianceConfig.ready``).

Every module of this package is imported, so a new check needs no list to be edited;
``tests/test_rules_data.py`` holds that every rule of ``rules.json`` has exactly one check.
"""

from __future__ import annotations

import importlib
import pkgutil

from lawtrail.compliance.checks.base import CHECKS, Check, Scope, checks, register

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["CHECKS", "Check", "Scope", "checks", "register"]

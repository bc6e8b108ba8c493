"""Small template helpers of the pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urljoin

from django import template
from django.templatetags.static import PrefixNode, static

register = template.Library()
log = logging.getLogger(__name__)


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``{{ row|get_item:name }}``: a dict's value by a key held in a variable."""
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""


@register.simple_tag
def asset(path: str) -> str:
    """``{% static %}`` that still answers before ``collectstatic`` has run.

    The manifest storage raises for a file it has not hashed yet; the pages then use the plain
    URL, which WhiteNoise serves from the app's folder (WHITENOISE_USE_FINDERS). Every page
    (and the error pages) keeps working on a fresh data folder.
    """
    try:
        return static(path)
    except ValueError:
        log.warning("static file %s is not collected; run `lawtrail manage collectstatic`", path)
        return urljoin(PrefixNode.handle_simple("STATIC_URL"), quote(path))

"""The zh_Hans catalogue is complete, and its compiled .mo matches the .po.

Both files are committed so that a fresh machine needs no gettext tools. After
``makemessages`` (run from lawtrail/, see docs) every new msgid must be translated and the
catalogue compiled again with ``compilemessages``.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdi]|%[sd]|\{\w*\}")


def key(entry: polib._BaseEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def translation(entry: polib._BaseEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO))


def test_the_catalogue_lives_where_django_looks(po: polib.POFile) -> None:
    from django.conf import settings
    from django.utils.translation import to_locale

    assert LOCALE.parent.parent in [Path(p) for p in settings.LOCALE_PATHS]
    assert to_locale(settings.LANGUAGE_CODE) == LOCALE.parent.name
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=1;")


def test_every_msgid_has_a_translation(po: polib.POFile) -> None:
    empty = [e.msgid for e in po if not all(translation(e))]
    assert not empty, f"untranslated msgids: {empty}"


def test_no_entry_is_fuzzy(po: polib.POFile) -> None:
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries are ignored by msgfmt: {fuzzy}"


def test_translations_keep_their_placeholders(po: polib.POFile) -> None:
    broken = [
        e.msgid
        for e in po
        for text in translation(e)
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e.msgid))
    ]
    assert not broken, f"placeholders differ: {broken}"


def test_the_mo_is_compiled_from_this_po(po: polib.POFile) -> None:
    assert MO.exists(), "run compilemessages and commit django.mo"
    compiled = {key(e): translation(e) for e in polib.mofile(str(MO)) if e.msgid}
    expected = {key(e): translation(e) for e in po.translated_entries()}
    stale = sorted(k[1] for k in expected if compiled.get(k) != expected[k])
    extra = sorted(k[1] for k in compiled if k not in expected)
    assert not stale, f"django.mo is older than django.po; run compilemessages: {stale[:10]}"
    assert not extra, f"django.mo has msgids the .po no longer has: {extra[:10]}"


def test_the_mo_carries_the_plural_rule() -> None:
    assert polib.mofile(str(MO)).metadata.get("Plural-Forms", "").startswith("nplurals=1;")

"""File-name layouts: what a camera's file name says about its recording.

Many body cameras name a recording after the device, the officer and the start time, e.g.
``DSJ0001_61010200001_20250301080000_0001.MP4`` (GA/T 947 devices use variants of this). A
layout is that name with placeholders::

    {serial}_{officer}_{start}_{seq}.{ext}

``{serial}`` and ``{officer}`` are any text (the shortest that lets the rest match),
``{start}``/``{end}`` are ``YYYYMMDDHHMMSS``, ``{date}``/``{time}`` are ``YYYYMMDD``/``HHMMSS``,
``{seq}`` digits, ``{ext}`` letters and digits, ``{*}`` anything. Everything else is literal
(letter case ignored). A layout without ``/`` is matched against the file name; one with ``/``
against the path inside the device's folder (``DCIM/{date}/{serial}_{time}.MP4``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lawtrail.errors import UsageError

DEFAULT_LAYOUT = "{serial}_{officer}_{start}_{seq}.{ext}"

PLACEHOLDERS = {
    "serial": r"[^/]+?",
    "officer": r"[^/]+?",
    "start": r"[0-9]{14}",
    "end": r"[0-9]{14}",
    "date": r"[0-9]{8}",
    "time": r"[0-9]{6}",
    "seq": r"[0-9]+",
    "ext": r"[A-Za-z0-9]+",
    "*": r"[^/]*?",
}
FIELD = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class NameFacts:
    """What a file name says; times are the device's clock, as written (naive)."""

    serial: str = ""
    officer: str = ""
    start: datetime | None = None
    end: datetime | None = None
    seq: str = ""


@dataclass(frozen=True)
class Layout:
    pattern: str
    regex: re.Pattern[str]

    @property
    def by_path(self) -> bool:
        return "/" in self.pattern

    def match(self, relative: str) -> NameFacts | None:
        """Facts from ``relative`` (the path inside the device folder, ``/``-separated)."""
        subject = relative if self.by_path else relative.rsplit("/", 1)[-1]
        found = self.regex.fullmatch(subject)
        if found is None:
            return None
        groups = found.groupdict()
        try:
            start = parse_compact(groups.get("start") or "")
            end = parse_compact(groups.get("end") or "")
            if start is None and groups.get("date"):
                start = parse_compact(groups["date"] + (groups.get("time") or "000000"))
        except ValueError:  # 20251332…: digits, but no time; the name says nothing then
            return None
        return NameFacts(
            serial=groups.get("serial") or "",
            officer=groups.get("officer") or "",
            start=start,
            end=end,
            seq=groups.get("seq") or "",
        )


def parse_compact(digits: str) -> datetime | None:
    if not digits:
        return None
    return datetime.strptime(digits, "%Y%m%d%H%M%S")


def compile_layout(pattern: str) -> Layout:
    """A layout from its pattern; a bad pattern is a usage error that says what is wrong."""
    if not pattern.strip():
        raise UsageError("--layout must not be empty.")
    if pattern.startswith("/") or pattern.endswith("/"):
        raise UsageError(
            f"--layout {pattern!r}: a layout is a path inside the device folder; "
            "it neither starts nor ends with '/'."
        )
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for field in FIELD.finditer(pattern):
        literal = pattern[position : field.start()]
        if "{" in literal or "}" in literal:
            raise UsageError(f"--layout {pattern!r} has an unmatched brace.")
        parts.append(re.escape(literal))
        name = field.group(1)
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
            raise UsageError(
                f"--layout {pattern!r}: unknown placeholder {{{name}}}; the known ones are {known}."
            )
        if name != "*" and name in seen:
            raise UsageError(f"--layout {pattern!r} names {{{name}}} twice.")
        seen.add(name)
        if name == "*":
            parts.append(PLACEHOLDERS[name])
        else:
            parts.append(f"(?P<{name}>{PLACEHOLDERS[name]})")
        position = field.end()
    rest = pattern[position:]
    if "{" in rest or "}" in rest:
        raise UsageError(f"--layout {pattern!r} has an unmatched brace.")
    parts.append(re.escape(rest))
    if "start" in seen and "date" in seen:
        raise UsageError(f"--layout {pattern!r}: use {{start}} or {{date}}{{time}}, not both.")
    if "time" in seen and "date" not in seen:
        raise UsageError(f"--layout {pattern!r}: {{time}} needs {{date}} as well.")
    if not seen - {"*", "ext"}:
        raise UsageError(
            f"--layout {pattern!r} says nothing about the recording; name at least one of "
            "{serial}, {officer}, {start}, {date}, {seq}."
        )
    return Layout(pattern, re.compile("".join(parts), re.IGNORECASE))


def match_any(layouts: list[Layout], relative: str) -> NameFacts:
    """The facts of the first layout that matches, or none."""
    for layout in layouts:
        facts = layout.match(relative)
        if facts is not None:
            return facts
    return NameFacts()

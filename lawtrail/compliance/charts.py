"""Charts drawn on the server as inline SVG: bars, grouped bars and a monthly trend.

No JavaScript library: the page works on the old browsers of county offices and prints as it
shows. Every label is escaped (``django.utils.html.escape``); the SVG carries a ``<title>`` and
``role="img"`` with ``aria-label`` so a screen reader reads it, and each bar and point has a
``<title>`` with its number. The result is marked safe only after everything in it was escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Colours of the series, in order (contrasting, colour-blind friendly).
PALETTE = ("#1f6f8b", "#e07a1f", "#5a9e3a", "#a23b72", "#6c757d", "#3b5ba2", "#c0392b")
FONT = "font-family=\"'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif\""


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _scale_max(values: Sequence[float]) -> float:
    top = max([0.0, *values])
    return top if top > 0 else 1.0


def _open(width: int, height: int, title: str) -> list[str]:
    label = escape(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        # Never drawn larger than its natural size: a narrow chart on a wide page stays legible.
        f'width="100%" style="max-width: {width}px" role="img" aria-label="{label}" {FONT} '
        'font-size="12">',
        f"<title>{label}</title>",
    ]


def _legend(series: Sequence[Series], x: int, y: int) -> list[str]:
    parts = []
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        top = y + i * 16
        parts.append(f'<rect x="{x}" y="{top}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{top + 9}">{escape(s.name)}</text>')
    return parts


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = ""
) -> SafeString:
    """Horizontal bars, one per label (long Chinese labels fit on the left)."""
    row, left, right = 22, 190, 60
    width = 640
    height = max(1, len(labels)) * row + 10
    top = _scale_max(values)
    span = width - left - right
    parts = _open(width, height, title)
    if not labels:
        parts.append('<text x="10" y="16" fill="#6c757d">—</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * row
        length = span * float(value) / top
        text = escape(label if len(label) <= 16 else label[:15] + "…")
        number = escape(_shown(value) + unit)
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{text}'
            f"<title>{escape(label)}</title></text>"
        )
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{_num(length)}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {number}</title></rect>'
        )
        parts.append(f'<text x="{_num(left + length + 4)}" y="{y + 14}">{number}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def grouped_bars(
    title: str, groups: Sequence[str], series: Sequence[Series], *, unit: str = ""
) -> SafeString:
    """Vertical bars: for each group (a unit), one bar per series side by side."""
    left, bottom, top_pad = 40, 60, 10
    legend_height = 16 * len(series) + 6
    group_width = max(40, 14 * max(1, len(series)) + 16)
    width = max(320, left + group_width * max(1, len(groups)) + 10)
    height = 220 + legend_height
    plot = height - bottom - top_pad - legend_height
    top = _scale_max([v for s in series for v in s.values])
    parts = _open(width, height, title)
    parts += _legend(series, left, 2)
    base = top_pad + legend_height + plot
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#999" />')
    parts.append(f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>')
    parts.append(
        f'<text x="{left - 4}" y="{base - plot + 4}" text-anchor="end">{escape(_shown(top))}</text>'
    )
    bar = (group_width - 16) / max(1, len(series))
    for g, group in enumerate(groups):
        x0 = left + g * group_width + 8
        for i, s in enumerate(series):
            value = float(s.values[g]) if g < len(s.values) else 0.0
            h = plot * value / top
            parts.append(
                f'<rect x="{_num(x0 + i * bar)}" y="{_num(base - h)}" width="{_num(bar - 1)}" '
                f'height="{_num(h)}" fill="{PALETTE[i % len(PALETTE)]}"><title>'
                f"{escape(group)} · {escape(s.name)}: {escape(_shown(value) + unit)}</title></rect>"
            )
        name = group if len(group) <= 6 else group[:5] + "…"
        parts.append(
            f'<text x="{_num(x0 + (group_width - 16) / 2)}" y="{base + 16}" '
            f'text-anchor="middle">{escape(name)}<title>{escape(group)}</title></text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """One line per series over ``labels`` (months), with a point and its number per month."""
    left, right, bottom, top_pad = 40, 20, 40, 10
    legend_height = 16 * len(series) + 6
    width = 640
    height = 220 + legend_height
    plot = height - bottom - top_pad - legend_height
    span = width - left - right
    top = _scale_max([v for s in series for v in s.values])
    step = span / max(1, len(labels) - 1)
    base = top_pad + legend_height + plot
    parts = _open(width, height, title)
    parts += _legend(series, left, 2)
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#999"/>')
    parts.append(f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>')
    parts.append(
        f'<text x="{left - 4}" y="{base - plot + 4}" text-anchor="end">{escape(_shown(top))}</text>'
    )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{_num(left + i * step)}" y="{base + 16}" text-anchor="middle" '
            f'font-size="10">{escape(label)}</text>'
        )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = [(left + i * step, base - plot * float(v) / top) for i, v in enumerate(s.values)]
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), label, value in zip(points, labels, s.values, strict=False):
            parts.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{colour}"><title>'
                f"{escape(s.name)} {escape(label)}: {escape(_shown(value))}</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped

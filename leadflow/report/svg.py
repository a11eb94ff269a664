"""Inline SVG charts, drawn by hand: the HTML report needs no script and no network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from leadflow.report.funnel import WATCH_FLOOR, HealthRow, StageRow
from leadflow.report.rows import STAGE_LABELS

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\""
BAND_COLORS = {
    "excellent": "#1a7f37",
    "watch": "#bf8700",
    "warning": "#cf222e",
    "no history": "#8c959f",
}
FUNNEL_COLORS = ("#0b5cad", "#1f6fbf", "#3a84cf", "#5f9bdc", "#1a7f37")
SERIES_COLORS = ("#0b5cad", "#5f9bdc", "#bf8700", "#8250df", "#1a7f37")


def _text(
    x: float,
    y: float,
    body: str,
    *,
    anchor: str = "start",
    size: int = 13,
    weight: str = "normal",
    fill: str = "#1f2328",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
        f'fill="{fill}" {FONT}>{escape(body)}</text>'
    )


def _svg(width: int, height: int, body: Sequence[str], title: str) -> str:
    # Natural pixel size, shrinking only on narrow screens: text stays the size it was drawn at.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" style="max-width: 100%; height: auto" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def funnel_chart(stages: Sequence[StageRow], width: int = 600) -> str:
    """Centred bars, one per stage, width by count; the step conversion sits between bars."""
    bar_h, gap, label_w = 40, 24, 110
    top = max((s.count for s in stages), default=0) or 1
    usable = width - label_w - 20
    body: list[str] = []
    for i, stage in enumerate(stages):
        y = i * (bar_h + gap) + 6
        w = max(usable * stage.count / top, 3)
        x = label_w + (usable - w) / 2
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="4" '
            f'fill="{FUNNEL_COLORS[i % len(FUNNEL_COLORS)]}"/>'
        )
        body.append(
            _text(
                label_w - 12,
                y + bar_h / 2 + 5,
                STAGE_LABELS[stage.stage],
                anchor="end",
                weight="600",
            )
        )
        inside = w > 60
        body.append(
            _text(
                x + w / 2 if inside else x + w + 8,
                y + bar_h / 2 + 5,
                f"{stage.count:,}",
                anchor="middle" if inside else "start",
                weight="700",
                fill="#ffffff" if inside else "#1f2328",
            )
        )
        if i + 1 < len(stages):
            nxt = stages[i + 1].conversion
            note = "no leads to convert" if nxt is None else f"↓ {nxt:.0%} convert"
            body.append(
                _text(
                    label_w + usable / 2,
                    y + bar_h + gap - 5,
                    note,
                    anchor="middle",
                    size=12,
                    fill="#57606a",
                )
            )
    return _svg(width, len(stages) * (bar_h + gap), body, "Funnel by stage")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    title: str,
    fmt: str = "{:,.0f}",
    width: int = 1060,
) -> str:
    """Horizontal bars grouped per category (a campaign), one colour per series, with a legend."""
    label_w, bar_h, inner, outer, legend_h = 240, 14, 3, 18, 30
    top = max((v for s in series for v in s.values), default=0) or 1
    usable = width - label_w - 90
    group_h = len(series) * (bar_h + inner) + outer
    body = _legend(series, label_w)
    for c, category in enumerate(categories):
        y0 = legend_h + c * group_h
        name = category if len(category) <= 32 else category[:31] + "…"
        body.append(_text(label_w - 10, y0 + group_h / 2 - 2, name, anchor="end", weight="600"))
        for s, one in enumerate(series):
            y = y0 + s * (bar_h + inner)
            value = one.values[c]
            w = max(usable * value / top, 1.5)
            body.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" '
                f'fill="{SERIES_COLORS[s % len(SERIES_COLORS)]}"/>'
            )
            body.append(
                _text(label_w + w + 6, y + bar_h - 3, fmt.format(value), size=11, fill="#57606a")
            )
    return _svg(width, legend_h + len(categories) * group_h, body, title)


def _legend(series: Sequence[Series], x0: int) -> list[str]:
    body, x = [], float(x0)
    for s, one in enumerate(series):
        body.append(
            f'<rect x="{x:.1f}" y="4" width="12" height="12" rx="2" '
            f'fill="{SERIES_COLORS[s % len(SERIES_COLORS)]}"/>'
        )
        body.append(_text(x + 17, 15, one.name, size=12))
        x += 34 + 7 * len(one.name)
    return body


def health_gauge(row: HealthRow, width: int = 220) -> str:
    """This period against the norm: a bar to 150%, with the 70% and 100% marks of seed 002."""
    height, scale = 22, 1.5
    ratio = min(row.ratio or 0.0, scale)
    body = [f'<rect x="0" y="5" width="{width}" height="12" rx="6" fill="#eaeef2"/>']
    if row.ratio is not None:
        body.append(
            f'<rect x="0" y="5" width="{width * ratio / scale:.1f}" height="12" rx="6" '
            f'fill="{BAND_COLORS[row.band]}"/>'
        )
    for mark in (WATCH_FLOOR, 1.0):
        x = width * mark / scale
        body.append(
            f'<line x1="{x:.1f}" y1="1" x2="{x:.1f}" y2="21" stroke="#57606a" stroke-width="1.5" '
            f'stroke-dasharray="2,2"/>'
        )
    return _svg(width, height, body, f"{STAGE_LABELS[row.stage]} health")

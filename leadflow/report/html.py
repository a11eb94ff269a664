"""The static HTML report: one self-contained page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from leadflow.report import tables
from leadflow.report.attribution import MODEL_LABELS, MODELS
from leadflow.report.build import Report
from leadflow.report.rows import STAGE_LABELS, STAGE_PLURALS
from leadflow.report.svg import BAND_COLORS, Series, funnel_chart, grouped_bars, health_gauge

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _attribution_charts(report: Report) -> dict[str, Markup]:
    if not report.campaigns:
        return {}
    names = [s.campaign.name for s in report.campaigns]
    sourced = grouped_bars(
        names,
        [
            Series("leads", [s.leads for s in report.campaigns]),
            Series("MQLs", [s.mqls for s in report.campaigns]),
            Series("SQLs", [s.sqls for s in report.campaigns]),
            Series("opportunities", [s.opportunities for s in report.campaigns]),
            Series("won", [s.won for s in report.campaigns]),
        ],
        "Sourced leads and how far they got, per campaign",
    )
    charts = {"sourced": Markup(sourced)}
    credited = sorted({cid for model in report.credit.values() for cid in model})
    if credited:
        series = [
            Series(
                MODEL_LABELS[m],
                [
                    report.credit[m].get(cid).won_amount if cid in report.credit[m] else 0.0
                    for cid in credited
                ],
            )
            for m in MODELS
        ]
        charts["credit"] = Markup(
            grouped_bars(
                [report.campaign_names.get(c, str(c)) for c in credited],
                series,
                "Won amount credited per campaign, by attribution model",
            )
        )
    return charts


def context(report: Report) -> dict[str, object]:
    return {
        "report": report,
        "labels": STAGE_LABELS,
        "plurals": STAGE_PLURALS,
        "band_colors": BAND_COLORS,
        "band_labels": tables.BAND_LABELS,
        "funnel_svg": Markup(funnel_chart(report.funnel)),
        "gauges": {h.stage: Markup(health_gauge(h)) for h in report.health},
        "charts": _attribution_charts(report),
        "funnel_rows": tables.funnel_rows(report),
        "gap_rows": tables.gap_rows(report),
        "rep_rows": tables.rep_rows(report),
        "campaign_rows": tables.campaign_rows(report),
        "cost_rows": tables.campaign_cost_rows(report),
        "credit_rows": tables.credit_rows(report),
        "pct": tables.pct,
    }


def render(report: Report) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**context(report))


def write(report: Report, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(report), encoding="utf-8")
    return out

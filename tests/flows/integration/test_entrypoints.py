"""Every deployment in prefect.yaml points at a flow that imports."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[3]


def test_every_prefect_yaml_entrypoint_is_a_flow():
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    entrypoints = [d["entrypoint"] for d in config["deployments"]]
    assert len(entrypoints) >= 4
    for entrypoint in entrypoints:
        path, name = entrypoint.split(":")
        spec = importlib.util.spec_from_file_location(f"entry_{name}", ROOT / path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert isinstance(getattr(module, name), Flow), entrypoint


def test_serve_builds_a_deployment_per_prefect_yaml_entry():
    from flows.serve_all import deployments

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    flow_names = {d.flow_name for d in deployments()}
    assert flow_names == {
        "ingest-campaign",
        "ingest-chunk",
        "nurture-tick",
        "process-engagement",
        "reclaim-sweep",
        "ingest-captured",
        "nightly-report",
    }
    assert len(flow_names) == len(config["deployments"])


def test_nightly_report_is_scheduled_alike_both_ways():
    from flows.serve_all import deployments

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (entry,) = [
        d for d in config["deployments"] if d["entrypoint"] == "flows/report.py:nightly_report"
    ]
    (served,) = [d for d in deployments() if d.flow_name == "nightly-report"]
    assert served.name == entry["name"] == "nightly"
    assert [s.schedule.cron for s in served.schedules] == [s["cron"] for s in entry["schedules"]]
    assert served.parameters == entry["parameters"] and served.tags == entry["tags"]

"""Screenshots of the HTML report and of a report flow run's artifacts in the Prefect UI.

    .venv/bin/python bench/screenshot_report.py [--out DIR] [--keep-server]

Runs everything in DIR (default: a new temporary directory) on free ports, so it does not
disturb a demo already running: the demo campaigns, an October campaign (the same webinar
list under new addresses) so funnel health has a trailing norm to compare with, a few rep
accepts and rejects, the CRM outcomes in examples/outcomes_sample.csv plus October's, then
`leadflow report --html`, the nightly report flow, and headless chromium on both.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT_AT = "2026-11-16T00:00:00+00:00"
OCTOBER_AT = "2026-10-26T14:00:00+00:00"
# Sales accepts and the CRM closes fewer of November's leads than October's, so the health
# table shows every band: excellent at the top of the funnel, watch and warning lower down.
OCTOBER_ACCEPTS, OCTOBER_OPPS, OCTOBER_WON = 16, 14, 10
NOVEMBER_ACCEPTS = (
    "lucas.white@riverbend.co.uk",
    "james.young@alpine.co",
    "ava@oakridge.io",
    "eweber@sable-medical.co",
    "ping.xu@huaxin-fin.cn",
    "wu.xiuying@chuangxiang-tech.cn",
)
NOVEMBER_REJECT = "james_jackson@lakeside.io"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def leadflow(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "leadflow.cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if result.returncode != 0:
        raise SystemExit(f"leadflow {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def october_list(out: Path) -> Path:
    """The November webinar list with every address changed: new people, a month earlier."""
    source = ROOT / "examples" / "webinar_analytics_2026-11.csv"
    target = out / "webinar_analytics_2026-10.csv"
    with (
        source.open(encoding="utf-8-sig", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for row in reader:
            if len(row) > 2 and "@" in row[2]:
                row[2] = "oct." + row[2]
            writer.writerow(row)
    return target


def rep_answers() -> list[str]:
    """Reps accept some October and November leads and reject one (the CLI's own functions)."""
    from sqlalchemy import select

    from leadflow.core.db import session_scope
    from leadflow.core.models import Assignment, Lead
    from leadflow.routing.ownership import accept_lead, reject_lead

    with session_scope() as session:
        october = list(
            session.scalars(
                select(Lead.email)
                .join(Assignment, Assignment.lead_id == Lead.id)
                .where(Lead.email.like("oct.%"), Assignment.status == "offered")
                .order_by(Lead.id)
                .limit(OCTOBER_ACCEPTS)
            )
        )
        rejected = session.scalar(select(Lead.id).where(Lead.email == NOVEMBER_REJECT))
    for email in october:
        accept_lead(email, datetime(2026, 10, 27, 10, tzinfo=timezone.utc))
    for email in NOVEMBER_ACCEPTS:
        accept_lead(email, datetime(2026, 11, 13, 8, tzinfo=timezone.utc))
    if rejected is not None:
        reject_lead(
            rejected,
            "wrong_match",
            "not our territory",
            datetime(2026, 11, 13, 9, tzinfo=timezone.utc),
        )
    return october


def october_outcomes(out: Path, accepted: list[str]) -> Path:
    path = out / "october_outcomes.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Opportunity ID", "Email", "Stage Name", "Amount", "Created Date", "Close Date"]
        )
        for i, email in enumerate(accepted[:OCTOBER_OPPS]):
            stage = (
                "Closed Won"
                if i < OCTOBER_WON
                else "Closed Lost"
                if i < OCTOBER_OPPS - 2
                else "Prospecting"
            )
            closed = "2026-11-04" if stage != "Prospecting" else ""
            writer.writerow(
                [f"0065g00000OCT{i:03d}", email, stage, 12000 + 1500 * i, "2026-10-30", closed]
            )
    return path


def nightly_run() -> tuple[str, dict[str, str]]:
    """The report flow run's id, and its artifacts' ids by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.report import nightly_report

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        state = nightly_report(
            period_days=7, now=datetime.fromisoformat(REPORT_AT), return_state=True
        )
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return str(run_id), {str(a.key): str(a.id) for a in artifacts}


def shoot(url: str, png: Path, size: str, wait_ms: int = 0) -> Path:
    browser = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if browser is None:
        raise SystemExit("chromium not found (Debian: apt-get install -y chromium)")
    args = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--screenshot={png}",
        f"--window-size={size}",
    ]
    if wait_ms:
        args.append(
            f"--virtual-time-budget={wait_ms}"
        )  # let the UI's script fetch and draw the run
    subprocess.run([*args, url], check=True, capture_output=True, timeout=180)
    return png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--keep-server", action="store_true", help="leave the Prefect UI running afterwards"
    )
    options = parser.parse_args()
    out = (options.out or Path(tempfile.mkdtemp(prefix="leadflow-shots-"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    prefect_port = free_port()
    os.environ.update(
        {
            "LEADFLOW_DATA_DIR": str(out / "data"),
            "LEADFLOW_SMTP_PORT": str(free_port()),
            "LEADFLOW_PUBLIC_BASE_URL": f"http://127.0.0.1:{free_port()}",
            "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api",
        }
    )
    sys.path.insert(0, str(ROOT))
    try:
        print("demo ...", flush=True)
        leadflow("demo")
        leadflow(
            "ingest",
            str(october_list(out)),
            "--campaign",
            "webinar-analytics-2026-10",
            "--channel",
            "webinar",
            "--product-line",
            "analytics",
            "--cost",
            "8000",
            "--at",
            OCTOBER_AT,
        )
        accepted = rep_answers()
        print(
            leadflow(
                "outcomes", "import", str(october_outcomes(out, accepted)), "--at", REPORT_AT
            ).strip()
        )
        print(
            leadflow(
                "outcomes",
                "import",
                str(ROOT / "examples" / "outcomes_sample.csv"),
                "--at",
                REPORT_AT,
            ).strip()
        )
        html = out / "report.html"
        print(leadflow("report", "--period", "7d", "--at", REPORT_AT, "--html", str(html)))
        run_id, artifacts = nightly_run()
        ui = f"http://127.0.0.1:{prefect_port}"
        shots = [
            shoot(html.as_uri(), out / "report.png", "1280,2600"),
            shoot(f"{ui}/runs/flow-run/{run_id}", out / "flow-run.png", "1440,1000", 15000),
            shoot(
                f"{ui}/artifacts/artifact/{artifacts['report-funnel']}",
                out / "artifact-funnel.png",
                "1440,1400",
                15000,
            ),
            shoot(
                f"{ui}/artifacts/artifact/{artifacts['report-reps']}",
                out / "artifact-reps.png",
                "1440,1200",
                15000,
            ),
        ]
        print("screenshots:", *shots, sep="\n  ")
        print(f"flow run: {ui}/runs/flow-run/{run_id}")
    finally:
        if not options.keep_server:
            leadflow("server", "stop")


if __name__ == "__main__":
    main()

"""Where a stage's time goes as a campaign grows: its SQL statements, summed per window of rows.

    python bench/bench_statements.py --rows 400000 --window 100000 [--stage clean+dedupe]
        [--wide-phones --companies 20000 --census-names] [--top 15] [--base 1000000]

Runs one in-process measurement of bench_ingest.py (PostgreSQL, one worker, batches of
5,000) and times every statement the chosen stage sends, with SQLAlchemy's cursor events,
grouped by the statement's first 100 characters. Prints, per window of file rows, the
stage's seconds and each of its costliest statements' seconds: a statement whose seconds
grow from window to window is one whose cost grows with what is stored (``--base N``: N leads
stored first, as bench_ingest.py's; the same windows on base 0 and N show what grows with the
base). The events cost a
little per statement; compare windows of one run, not its totals with bench_ingest.py's.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import bench_ingest  # noqa: E402

TASKS = {  # stage -> (module, task) as bench_ingest's batch loop calls them
    "clean+dedupe": ("tasks.ingest", "clean_batch"),
    "enrich": ("tasks.enrich", "enrich_leads"),  # bench_ingest's enrich has the next too
    "accounts": ("tasks.accounts", "match_accounts"),
    "score": ("tasks.scoring", "score_leads"),
    "route": ("tasks.routing", "route_leads"),
    "enroll": ("tasks.nurture", "enroll_leads"),
}


class Windows:
    """Seconds per (window, statement) and per window for one stage's calls."""

    def __init__(self, rows_per_window: int, batch: int):
        self.batches_per_window = max(1, rows_per_window // batch)
        self.calls = 0
        self.inside = False
        self.statements: dict[tuple[int, str], float] = defaultdict(float)
        self.stage: dict[int, float] = defaultdict(float)

    @property
    def window(self) -> int:
        return self.calls // self.batches_per_window

    def wrap(self, task: Any) -> None:
        inner = task.fn

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.inside, start = True, time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.stage[self.window] += time.perf_counter() - start
                self.inside, self.calls = False, self.calls + 1

        task.fn = timed

    def listen(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            conn.info["started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if self.inside:
                key = re.sub(r"\s+", " ", statement)[:100]
                spent = time.perf_counter() - conn.info.get("started", time.perf_counter())
                self.statements[(self.window, key)] += spent

        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)

    def report(self, top: int, rows_per_window: int) -> str:
        windows = sorted(self.stage)
        totals: dict[str, float] = defaultdict(float)
        for (_, key), seconds in self.statements.items():
            totals[key] += seconds
        head = " | ".join(f"rows {w * rows_per_window:,}+" for w in windows)
        lines = [f"| seconds per window | {head} |", "|---" * (len(windows) + 1) + "|"]
        lines.append("| the stage | " + " | ".join(f"{self.stage[w]:.1f}" for w in windows) + " |")
        for key in sorted(totals, key=totals.__getitem__, reverse=True)[:top]:
            cells = " | ".join(f"{self.statements.get((w, key), 0.0):.2f}" for w in windows)
            lines.append(f"| `{key.replace('|', '/')}` | {cells} |")
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--stage", default="clean+dedupe", choices=sorted(TASKS))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--postgres-url", default=bench_ingest.POSTGRES)
    bench_ingest.world_arguments(parser)
    parser.add_argument("--base", type=int, default=0, help="stored leads before the run")
    args = parser.parse_args()
    windows = Windows(args.window, args.batch_size)
    measured = bench_ingest._inproc

    def inproc(spec: dict, source: Path) -> dict:  # type: ignore[type-arg]
        import importlib

        module, name = TASKS[args.stage]
        windows.wrap(getattr(importlib.import_module(module), name))
        windows.listen()
        return measured(spec, source)

    bench_ingest._inproc = inproc
    result = bench_ingest.measure(
        bench_ingest.measurement_spec(args, args.rows, "postgresql", args.base, 1, "inproc")
    )
    print(f"{args.rows:,} rows in {result['wall_s']:.0f} s; {args.stage}, by window of rows:")
    print(windows.report(args.top, args.window))


if __name__ == "__main__":
    main()

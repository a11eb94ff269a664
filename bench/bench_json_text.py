"""The JSON text of a pipeline run's bulk writes: orjson (json_text) against json.dumps.

    python bench/bench_json_text.py [--rows 10000] [--rounds 5]
        [--wide-phones --companies 20000 --census-names]

Runs one in-process measurement of bench_ingest.py on PostgreSQL (where the batch rows and the
decisions' inputs travel as JSON text) and keeps every value the run turned into text: each
decision's inputs (``decisions._copy_values``) and each batch's rows (``bulk_writes``). Then
writes all of them both ways, alternating rounds (best of each), checks that every text
reads back to the same value, and prints the seconds per 100,000 file rows both ways.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import bench_ingest  # noqa: E402

import leadflow.core.bulk_writes as bulk_writes  # noqa: E402
import leadflow.core.decisions as decisions  # noqa: E402
from leadflow.core.json_text import json_text  # noqa: E402

Kept = list[tuple[str, Any, Any]]  # (where, value, default)


def keep_values(kept: Kept) -> None:
    """Record every value the run's bulk writes turn into JSON text, where they do it."""
    for module, where in ((decisions, "decision inputs"), (bulk_writes, "batch rows")):

        def recorded(value: Any, default: Any = None, _where: str = where) -> str:
            kept.append((_where, value, default))
            return json_text(value, default)

        module.json_text = recorded  # type: ignore[attr-defined]


def seconds(kept: Kept, write: Any) -> float:
    start = time.perf_counter()
    for _, value, default in kept:
        write(value, default)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--postgres-url", default=bench_ingest.POSTGRES)
    bench_ingest.world_arguments(parser)
    args = parser.parse_args()
    kept: Kept = []
    keep_values(kept)
    bench_ingest.measure(
        bench_ingest.measurement_spec(args, args.rows, "postgresql", 0, 1, "inproc")
    )

    def stdlib(value: Any, default: Any) -> str:  # what bulk writes used before orjson
        return json.dumps(value, default=default)

    differ = sum(
        json.loads(json_text(value, default)) != json.loads(stdlib(value, default))
        for _, value, default in kept
    )
    sizes = Counter(where for where, _, _ in kept)
    per = 100_000 / args.rows
    rounds = [(seconds(kept, json_text), seconds(kept, stdlib)) for _ in range(args.rounds)]
    orjson_s, stdlib_s = min(r[0] for r in rounds), min(r[1] for r in rounds)
    print(f"{args.rows:,} rows: {dict(sizes)} texts; {differ} read back differently")
    print(
        f"seconds per 100,000 file rows: json.dumps {stdlib_s * per:.2f},"
        f" orjson {orjson_s * per:.2f} ({stdlib_s / orjson_s:.1f}x)"
    )


if __name__ == "__main__":
    main()

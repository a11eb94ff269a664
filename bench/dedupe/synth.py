"""What the two generators share: numbering people's records, writing the CSV, the command line."""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

# (rng, world, person, at most this many) -> the person's records; the world makes people.
Copies = Callable[[random.Random, Any, dict[str, str], int], list[dict[str, str]]]


def entity_rows(
    size: int, rng: random.Random, world: Any, copies: Copies
) -> Iterator[dict[str, str]]:
    """``size`` records, each person's copies under one entity_id (the answer), shuffled, then
    numbered by rec_id; the last person is cut short so the total is exactly ``size``."""
    out: list[dict[str, str]] = []
    entity = 0
    while len(out) < size:
        for row in copies(rng, world, world.person(), size - len(out)):
            row["entity_id"] = str(entity)
            out.append(row)
        entity += 1
    rng.shuffle(out)
    for k, row in enumerate(out):
        row["rec_id"] = str(k)
        yield row


def write_csv(out: Path, columns: list[str], rows: Iterable[dict[str, str]]) -> Path:
    """Write through a .part file: an interrupted run never leaves a truncated dataset behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(out)
    return out


def cli(doc: str | None, write: Callable[[int, Path, int], Path], *, size: int, seed: int) -> None:
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=size)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.size, args.out, args.seed)

"""What a batch lookup by ids costs: ``column.in_(ids)`` against ``among(column, ids)``.

    python bench/bench_value_lists.py --database-url postgresql+psycopg://127.0.0.1/test
    python bench/bench_value_lists.py                      # a fresh SQLite file

Creates its own table of 20,000 rows (``bench_value_lists``, dropped at the end), then
times each form on 500 and 5,000 ids, alternating, each statement built anew as the
product builds it: over the primary key, and over an empty indexed column (only the
sending of the list, no rows back). Prints the best and the median of the rounds in ms,
and µs per id.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from leadflow.core.value_lists import among  # noqa: E402

ROWS, ROUNDS = 20_000, 15


def _time(connection: Any, build: Any) -> float:
    start = time.perf_counter()
    connection.execute(build()).all()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/values.db"
    engine = create_engine(url)
    meta = MetaData()
    table = Table(
        "bench_value_lists",
        meta,
        Column("id", Integer, primary_key=True),
        Column("other", String(40), index=True),
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    try:
        with engine.begin() as connection:
            connection.execute(table.insert(), [{"id": i} for i in range(1, ROWS + 1)])
        with engine.connect() as connection:
            for size in (500, 5000):
                ids = list(range(1, ROWS + 1, ROWS // size))[:size]
                names = [f"n{i}" for i in ids]
                # Built anew each time, as the product builds its statements per batch.
                cases = {
                    "in_ ids": lambda: select(table.c.id).where(table.c.id.in_(ids)),
                    "among ids": lambda: select(table.c.id).where(among(table.c.id, ids)),
                    "in_ empty column": lambda: select(table.c.id).where(table.c.other.in_(names)),
                    "among empty column": lambda: select(table.c.id).where(
                        among(table.c.other, names)
                    ),
                }
                spent: dict[str, list[float]] = {name: [] for name in cases}
                for _ in range(ROUNDS):
                    for name, statement in cases.items():
                        spent[name].append(_time(connection, statement))
                for name, times in spent.items():
                    best, median = min(times) * 1000, statistics.median(times) * 1000
                    print(
                        f"{engine.dialect.name:10} {size:5} ids  {name:19} best {best:7.1f} ms"
                        f"  median {median:7.1f} ms  {median * 1000 / size:6.1f} µs/id"
                    )
    finally:
        meta.drop_all(engine)


if __name__ == "__main__":
    main()

"""Close account names through grams against scoring every account: answers and time.

    python bench/bench_account_cores.py [--companies 20000] [--names 4000] [--edits 1,2,3,4]

The accounts are the firms of the wide world (campaign_world.py; half the Chinese ones under
their Chinese names); each name looked up is one of them with N random deletions, insertions
or substitutions. Prints, per N, how many names meet a close account, how many answers differ
from scoring every core, and µs per lookup both ways. Needs the bench extra (census names).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from campaign_world import wide_pools  # noqa: E402

from leadflow.dedupe.engine.accounts import Account, AccountIndex  # noqa: E402
from leadflow.dedupe.engine.text import norm_company  # noqa: E402
from tests.support.typos import typed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--names", type=int, default=4_000)
    parser.add_argument("--edits", default="1,2,3,4")
    args = parser.parse_args()
    western, chinese, _ = wide_pools(args.companies)
    firms = list(western) + list(chinese)
    accounts = [
        Account(n, f["name_zh"] if f["country"] == "CN" and n % 2 else f["name_en"], (), None)
        for n, f in enumerate(firms)
    ]
    index = AccountIndex(accounts)
    print(f"{len(accounts):,} accounts, {len(index.cores):,} distinct cores")
    for edits in (int(e) for e in args.edits.split(",")):
        rng = random.Random(edits)
        cores = [
            norm_company(typed(rng, rng.choice(accounts).name, edits)) for _ in range(args.names)
        ]
        cores = [c for c in cores if c]
        start = time.perf_counter()
        through_grams = [index.close_cores(c) for c in cores]
        middle = time.perf_counter()
        every = [index.close_cores(c, every=True) for c in cores]
        end = time.perf_counter()
        differ = sum(a != b for a, b in zip(through_grams, every, strict=True))
        print(
            f"{edits} edit(s): {len(cores):,} names, {sum(map(bool, every)):,} meet a close"
            f" account, {differ} answers differ; µs per lookup {1e6 * (middle - start) / len(cores):,.0f}"
            f" through grams, {1e6 * (end - middle) / len(cores):,.0f} scoring every core"
        )


if __name__ == "__main__":
    main()

"""Close account names through grams against scoring every account: answers and time.

    python bench/bench_account_cores.py [--companies 20000] [--names 4000] [--edits 1,2,3,4]
    python bench/bench_account_cores.py --growth [--batches 40] [--batch-size 5000] [--typed 0.33]

The accounts are the firms of the wide world (campaign_world.py; half the Chinese ones under
their Chinese names); each name looked up is one of them with N random deletions, insertions
or substitutions. Prints, per N, how many names meet a close account, how many answers differ
from scoring every core, and µs per lookup both ways. Needs the bench extra (census names).

``--growth``: the accounts arrive as the pipeline gives them owners, batch by batch. Each batch
of leads (firms drawn by the leads they send, a share ``--typed`` of the names with an edit) is
matched by company name; then a third of the batch's firms, drawn at random, become accounts
(those that are not yet).
Times the lookups of every batch with the answers kept across additions (as the pipeline
does) and forgotten at each addition (as before), and counts the answers that differ.
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
    parser.add_argument("--growth", action="store_true")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--typed", type=float, default=0.0)
    args = parser.parse_args()
    if args.growth:
        growth(args.companies, args.batches, args.batch_size, args.typed)
        return
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


def growth(companies: int, batches: int, batch_size: int, share_typed: float) -> None:
    western, chinese, _ = wide_pools(companies)
    rng = random.Random(1)
    kept, forgetful = AccountIndex([]), AccountIndex([])
    seconds = {"kept": 0.0, "forgotten": 0.0}
    differ = looked_up = 0
    for batch in range(batches):
        firms = [(western if rng.random() < 0.85 else chinese).pick(rng) for _ in range(batch_size)]
        names = [
            typed(rng, f["name_en"], 1) if rng.random() < share_typed else f["name_en"]
            for f in firms
        ]
        answers = {}
        for label, index in (("kept", kept), ("forgotten", forgetful)):
            start = time.process_time()
            answers[label] = [index.match(company=name) for name in names]
            seconds[label] += time.process_time() - start
        differ += sum(a != b for a, b in zip(answers["kept"], answers["forgotten"], strict=True))
        looked_up += len(names)
        new = [f for f in {f["domain"]: f for f in firms}.values() if rng.random() < 1 / 3]
        owned = [Account(f["domain"], f["name_en"], (f["domain"],), None) for f in new]
        kept.add(owned)
        forgetful.add(owned)
        forgetful._close.clear()  # the behaviour before answers were kept across additions
        forgetful._native.clear()
        if batch % 10 == 9 or batch == batches - 1:
            print(
                f"after {looked_up:,} lookups, {len(kept.accounts):,} accounts: µs per lookup"
                f" {1e6 * seconds['kept'] / looked_up:,.0f} kept,"
                f" {1e6 * seconds['forgotten'] / looked_up:,.0f} forgotten; {differ} answers differ"
            )


if __name__ == "__main__":
    main()

"""Memory of a full fit memo: what keeping it across batches can add to a run's peak RSS.

    python bench/bench_fit_memo.py [--combinations 200000]

Fills a ``FitMemo`` under the repository's scoring policy with generated lead views that
differ in every key field the policy reads (the domain makes each one new, as a wide base
does), converting each part's fired rules to JSON as the score step does, and prints the
memory traced (``tracemalloc``) and per combination. The memo clears itself at its limit
(200,000 combinations), so this is the most it holds.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leadflow.core.decisions import json_safe  # noqa: E402
from leadflow.core.types import LeadView  # noqa: E402
from leadflow.scoring.policy import scoring_policy  # noqa: E402
from leadflow.scoring.score import FitMemo  # noqa: E402

TITLES = ["VP Sales", "Director of IT", "Software Engineer", "Head of Data", "CTO", "Analyst"]


def view(number: int, pick: random.Random) -> LeadView:
    return LeadView(
        id=number,
        email=f"a{number}@firm{number}.example",
        domain=f"firm{number}.example",
        is_free_mail=False,
        is_disposable=False,
        is_role_address=False,
        has_website=True,
        company=f"Firm {number}",
        title=pick.choice(TITLES),
        country=pick.choice(["US", "DE", "CN", "GB"]),
        state=None,
        city=None,
        industry=pick.choice(["software", "retail", "finance"]),
        employees=pick.choice([10, 200, 5000]),
        revenue_band=None,
        product_line="analytics",
        territory=None,
        campaign=None,
        channel=None,
        temperature=None,
        score=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=200_000)
    args = parser.parse_args()
    pick = random.Random(1)
    views = [view(n, pick) for n in range(args.combinations)]
    policy = scoring_policy()
    gc.collect()
    tracemalloc.start()
    memo = FitMemo(policy)
    for one in views:
        part = memo(one)
        if id(part.hits) not in memo.derived:
            memo.derived[id(part.hits)] = (part.hits, json_safe(part.hits))
    held, _ = tracemalloc.get_traced_memory()
    print(
        f"{len(memo.parts):,} combinations: {held / 2**20:,.0f} MB, "
        f"{held / max(len(memo.parts), 1):,.0f} bytes each"
    )


if __name__ == "__main__":
    main()

"""Closed outcomes for the stored leads, drawn from a hidden model (for calibration runs).

    LEADFLOW_DATABASE_URL=... python bench/gen_outcomes.py OUT.csv

The hidden model disagrees with the shipped ICP on purpose (Healthcare and large revenue
convert best; Manufacturing does not; titles matter less), so calibration has something
to find. Seeded: the same database gives the same file.
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

HIDDEN = {"Healthcare": 1.6, "Software": 1.0, "Financial Services": 0.6, "Manufacturing": -0.4}


def probability(
    industry: str | None,
    employees: int | None,
    revenue: str | None,
    free_mail: bool,
    title: str | None,
) -> float:
    logit = -3.0 + HIDDEN.get(industry or "", 0.0)
    logit += 0.8 if employees and 200 <= employees <= 5000 else 0.0
    logit += 1.0 if revenue in ("$250M-$1B", "$1B+") else 0.0
    logit -= 1.2 if free_mail else 0.0
    logit += 0.3 if title and any(w in title.lower() for w in ("director", "vp", "chief")) else 0.0
    return 1 / (1 + math.exp(-logit))


def write_outcomes(out: Path, seed: int = 11) -> int:
    from sqlalchemy import select

    from leadflow.core.db import session_scope
    from leadflow.core.models import Lead

    rng, positives = random.Random(seed), 0
    with session_scope() as session, out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "converted", "won", "amount", "created", "closed"])
        rows = session.execute(
            select(
                Lead.email,
                Lead.industry,
                Lead.employees,
                Lead.revenue_band,
                Lead.is_free_mail,
                Lead.title,
            ).order_by(Lead.id)
        )
        for email, industry, employees, revenue, free_mail, title in rows:
            converted = rng.random() < probability(industry, employees, revenue, free_mail, title)
            won = converted and rng.random() < 0.3
            positives += converted
            writer.writerow(
                [
                    email,
                    "yes" if converted else "no",
                    "yes" if won else "no",
                    rng.randint(5, 80) * 1000 if converted else "",
                    "2026-10-01",
                    "2026-11-15" if converted else "",
                ]
            )
    return positives


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(f"{write_outcomes(Path(sys.argv[1]))} converted")

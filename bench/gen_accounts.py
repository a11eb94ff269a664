"""A Salesforce-style account export of `--rows` accounts for bench/bench_accounts.py.

    python bench/gen_accounts.py OUT.csv [--rows 10000] [--seed 7]

For each company in the example campaigns: about 40% get an account on the leads' own email
domain (they match by domain), about 30% an account on another domain under a variant of the
name (a subsidiary or a CRM spelling: they can only match by name; Chinese names are written
as their core with a region in brackets), the rest none. Filler accounts make up the count.
Owners are the reps of routing_rules/routing.yaml, by name or by email as CRMs export them.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FREE = {
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
    "163.com",
    "qq.com",
    "126.com",
    "icloud.com",
    "aol.com",
    "foxmail.com",
    "sina.com",
    "protonmail.com",
}
CN_LEGAL = re.compile(r"(有限责任公司|股份有限公司|有限公司|集团)$")
CN_PLACES = ("北京", "上海", "深圳", "广州", "杭州", "成都", "南京", "苏州", "武汉", "西安")


def campaign_companies() -> dict[str, str | None]:
    """Company name -> a company email domain its leads use (None: only free mail)."""
    found: dict[str, str | None] = {}
    for name, company_col, email_col in (
        ("webinar_analytics_2026-11.csv", "Company Name", "Email Address"),
        ("tradeshow_shanghai_2026-11.csv", "公司名称", "邮箱"),
    ):
        with (ROOT / "examples" / name).open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                company, email = (
                    (row.get(company_col) or "").strip(),
                    (row.get(email_col) or "").strip(),
                )
                if not company or "@" not in email:
                    continue
                domain = email.rsplit("@", 1)[1].lower()
                if found.get(company) is None:
                    found[company] = None if domain in FREE else domain
    return found


def variant(company: str, rng: random.Random) -> str:
    """How another system spells the same company."""
    if re.search(r"[\u4e00-\u9fff]", company):
        core = CN_LEGAL.sub("", company)
        for place in CN_PLACES:
            core = core.removeprefix(place)
        return f"{core}（{rng.choice(['中国', '上海', '北京'])}）"
    return rng.choice([f"{company} Holding", f"{company}, Inc.", company.upper(), f"The {company}"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    policy = yaml.safe_load((ROOT / "routing_rules" / "routing.yaml").read_text(encoding="utf-8"))
    reps = [(r["name"], r["email"]) for t in policy["teams"] for r in t["reps"]]
    rows: list[tuple[str, str, str]] = []
    for i, (company, domain) in enumerate(sorted(campaign_companies().items())):
        draw = rng.random()
        if draw < 0.4 and domain:
            rows.append((company, f"https://www.{domain}", ""))
        elif draw < 0.7:
            rows.append((variant(company, rng), f"subsidiary{i}.accounts.example", ""))
    while len(rows) < args.rows:
        n = len(rows)
        rows.append(
            (
                f"Filler Account {n} {rng.choice(['GmbH', 'LLC', 'Ltd', '有限公司'])}",
                f"filler{n}.accounts.example",
                "",
            )
        )
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Account ID", "Account Name", "Website", "Account Owner", "Billing Country"]
        )
        for n, (name, site, _) in enumerate(rows[: args.rows]):
            owner = rng.choice(reps)[rng.randrange(2)]
            writer.writerow([f"001{n:07d}", name, site, owner, ""])
    print(f"wrote {min(len(rows), args.rows)} accounts to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

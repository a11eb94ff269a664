"""Deterministic generator for leadflow's demo campaigns and the oracle their tests use.

`python bench/gen_campaigns.py` writes examples/: two campaign CSVs, firmographics.csv, campaigns.yaml
and expected.json. `--rows N --out DIR` instead streams one N-row webinar-style CSV for benchmarks.
One seeded random.Random drives everything and no set is iterated while choosing, so reruns are
byte-identical. expected.json comes from the tag each row was built with (normal, duplicate, bad),
never from re-parsing the CSVs. No field holds a comma, quote or newline: one physical line is one record.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import deque
from pathlib import Path

from campaign_people import (
    build_pools,
    case_variant,
    make_person,
    near_variant,
    revenue_band,
    tradeshow_fields,
    webinar_fields,
)
from campaign_words import (
    BAD_KINDS,
    CAMPAIGNS,
    FREE_MAIL,
    INVALID_EMAIL_MAKERS,
    SEED,
    TRADESHOW_FILE,
    TRADESHOW_HEADER,
    TRADESHOW_PLAN,
    WEBINAR_FILE,
    WEBINAR_HEADER,
    WEBINAR_PLAN,
)


def row(
    fields: list[str], kind: str, email: str | None, raw: str, person: dict | None = None
) -> dict:
    """One output line and how it was built; `email` is the normalized address of a valid row."""
    return {"fields": fields, "kind": kind, "email": email, "raw": raw, "person": person}


def bad_row(rng, kind: str, index: int, pools, used, fields_fn, split_at: int, extra: str) -> dict:
    """A fresh person whose row is broken; their address appears nowhere else."""
    person = make_person(rng, fields_fn is tradeshow_fields and index % 2 == 0, pools, used)
    email = person["email"]
    if kind == "missing_email":
        email = ""
    elif kind == "invalid_email":
        email = INVALID_EMAIL_MAKERS[index % len(INVALID_EMAIL_MAKERS)](*email.split("@"))
    fields = fields_fn(rng, person, email)
    if kind == "wrong_field_count":  # an unquoted comma inside a value, or a truncated export line
        fields = (
            fields[: split_at + 1] + [extra] + fields[split_at + 1 :]
            if index % 2 == 0
            else fields[:-2]
        )
    return row(fields, kind, None, email)


def assemble(
    rng, normals: list[dict], plan: dict, pools, used, fields_fn, extra: str, invalid_start: int
):
    """Each duplicate lands after its own source (one duplicate per source); bad rows land anywhere."""
    rows = list(normals)
    for n, source in enumerate(rng.sample(normals, plan["exact"] + plan["near"])):
        if n < plan["exact"]:  # a double submit: the same line again, or a re-registration
            again = rng.random() < 0.5
            dup = row(
                list(source["fields"])
                if again
                else fields_fn(rng, source["person"], source["raw"]),
                "exact_duplicate",
                source["email"],
                source["raw"],
            )
        else:
            raw = near_variant(rng, source["raw"])
            dup = row(fields_fn(rng, source["person"], raw), "near_duplicate", source["email"], raw)
        at = next(i for i, r in enumerate(rows) if r is source)
        rows.insert(rng.randint(at + 1, len(rows)), dup)
    for n, kind in enumerate(plan["bad"]):
        index = plan["bad"][:n].count(kind) + (invalid_start if kind == "invalid_email" else 0)
        rows.insert(
            rng.randint(0, len(rows)), bad_row(rng, kind, index, pools, used, fields_fn, 4, extra)
        )
    return rows


def normal_row(rng, fields_fn, person: dict, raw: str) -> dict:
    return row(fields_fn(rng, person, raw), "normal", person["email"], raw, person)


def build_webinar(rng, pools, used: set) -> list[dict]:
    flags = [True] * WEBINAR_PLAN["chinese"] + [False] * WEBINAR_PLAN["western"]
    rng.shuffle(flags)
    normals = []
    for chinese in flags:  # a few people type their address capitalised
        person = make_person(rng, chinese, pools, used)
        raw = person["email"] if rng.random() > 0.06 else case_variant(rng, person["email"])
        normals.append(normal_row(rng, webinar_fields, person, raw))
    # Bad: "john.smith@", "mary@acme", and "VP Sales, EMEA" typed into the title unquoted.
    return assemble(rng, normals, WEBINAR_PLAN, pools, used, webinar_fields, " EMEA", 3)


def build_tradeshow(rng, pools, used: set, webinar: list[dict]) -> list[dict]:
    seen = [r["person"] for r in webinar if r["kind"] == "normal"]
    cn_free = [p for p in seen if p["zh"] and p["email"].split("@")[1] in FREE_MAIL]
    cn_corp = [p for p in seen if p["zh"] and p["email"].split("@")[1] not in FREE_MAIL]
    n_free, n_corp, n_west = TRADESHOW_PLAN["cross"]
    cross = rng.sample(
        cn_free, min(n_free, len(cn_free))
    )  # any seed must work: top up from corporate mail
    cross += rng.sample(cn_corp, min(n_free + n_corp - len(cross), len(cn_corp)))
    cross += rng.sample([p for p in seen if not p["zh"]], n_west)
    normals = [
        normal_row(
            rng,
            tradeshow_fields,
            p,
            p["email"] if rng.random() < 0.6 else case_variant(rng, p["email"]),
        )
        for p in cross
    ]
    for chinese in [True] * TRADESHOW_PLAN["chinese"] + [False] * TRADESHOW_PLAN["western"]:
        person = make_person(rng, chinese, pools, used)
        normals.append(normal_row(rng, tradeshow_fields, person, person["email"]))
    rng.shuffle(normals)
    # Bad: "wang at x.cn", "li.na@@corp.cn", "销售经理,华东区" unquoted, and a truncated line.
    return assemble(rng, normals, TRADESHOW_PLAN, pools, used, tradeshow_fields, "华东区", 1)


def csv_line(fields: list[str]) -> str:
    assert not any(ch in value for value in fields for ch in ',"\r\n'), fields
    return ",".join(fields) + "\n"


def summarize(rows: list[dict]) -> tuple[dict, set[str]]:
    """Per-file oracle straight from each row's build tag; line 1 is the header."""
    lines = {
        kind: [i + 2 for i, r in enumerate(rows) if r["kind"] == kind]
        for kind in ("exact_duplicate", "near_duplicate")
    }
    valid = {r["email"] for r in rows if r["kind"] not in BAD_KINDS}
    return {
        "rows": len(rows),
        "bad_rows": [
            {"line": i + 2, "kind": r["kind"]} for i, r in enumerate(rows) if r["kind"] in BAD_KINDS
        ],
        "exact_duplicate_rows": len(lines["exact_duplicate"]),
        "exact_duplicate_lines": lines["exact_duplicate"],
        "near_duplicate_rows": len(lines["near_duplicate"]),
        "near_duplicate_lines": lines["near_duplicate"],
        "unique_valid_emails": len(valid),
    }, valid


FIRMOGRAPHICS_HEADER = "domain,name,industry,employees,revenue_band,country,state\n"


def firmographics_line(rng: random.Random, firm: dict) -> str:  # type: ignore[type-arg]
    """One firm as the local provider's table holds it. Chinese registries know a company by
    its Chinese legal name; the revenue band is drawn here (one draw per firm)."""
    name = firm["name_zh"] if firm["country"] == "CN" else firm["name_en"]
    return csv_line(
        [
            firm["domain"],
            name,
            firm["industry"],
            str(firm["employees"]),
            revenue_band(rng, firm["employees"]),
            firm["country"],
            firm["state"],
        ]
    )


def write_samples(out: Path, seed: int) -> None:
    rng = random.Random(seed)
    pools, used = build_pools(rng), set()
    webinar = build_webinar(rng, pools, used)
    tradeshow = build_tradeshow(rng, pools, used, webinar)
    out.mkdir(parents=True, exist_ok=True)
    for name, header, rows in [
        (WEBINAR_FILE, WEBINAR_HEADER, webinar),
        (TRADESHOW_FILE, TRADESHOW_HEADER, tradeshow),
    ]:
        (out / name).write_text(
            header
            + "\n"
            + "".join(
                csv_line(r["fields"])
                if r["kind"] != "wrong_field_count"
                else ",".join(r["fields"]) + "\n"
                for r in rows
            ),
            encoding="utf-8",
            newline="",
        )
    # One firmographics row per corporate domain in use, minus ~10% left out so some leads stay unenriched.
    firms = {
        r["person"]["company"]["domain"]: r["person"]["company"]
        for r in webinar + tradeshow
        if r["person"] and r["email"].split("@")[1] == r["person"]["company"]["domain"]
    }
    left_out = set(rng.sample(sorted(firms), round(len(firms) * 0.10)))
    enrichable = [d for d in sorted(firms) if d not in left_out]
    lines = [FIRMOGRAPHICS_HEADER] + [firmographics_line(rng, firms[d]) for d in enrichable]
    (out / "firmographics.csv").write_text("".join(lines), encoding="utf-8", newline="")
    (out / "campaigns.yaml").write_text(
        "campaigns:\n"
        + "".join(
            f"  - name: {name}\n    file: {file}\n    channel: {channel}\n    product_line: {line}\n"
            f"    cost: {cost}\n    started: {started}\n"
            for name, file, channel, line, cost, started in CAMPAIGNS
        ),
        encoding="utf-8",
        newline="",
    )
    (web_summary, web_emails), (show_summary, show_emails) = (
        summarize(webinar),
        summarize(tradeshow),
    )
    every, known = web_emails | show_emails, set(enrichable)
    expected = {
        "files": {WEBINAR_FILE: web_summary, TRADESHOW_FILE: show_summary},
        "cross_file_duplicate_emails": sorted(web_emails & show_emails),
        "unique_valid_emails_total": len(every),
        "free_mail_emails_total": sum(e.split("@")[1] in FREE_MAIL for e in every),
        "enrichable_emails_total": sum(e.split("@")[1] in known for e in every),
    }
    text = json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    (out / "expected.json").write_text(
        text, encoding="utf-8", newline=""
    )  # newline="": LF on every OS


def write_bench(
    out: Path,
    n_rows: int,
    seed: int,
    wide_phones: bool = False,
    companies: int = 0,
    census_names: bool = False,
) -> Path:
    """Stream n_rows webinar-style rows (~1% bad, ~2% duplicates) straight to disk.

    ``wide_phones``: Western numbers from the whole North American plan instead of the 555-01xx
    numbers kept for fiction. Those are 100 per area code, about 80,000 in all: a million
    people drawn from them share a number with ~6 strangers at other companies, which real
    bases do not, and every shared number is a candidate pair for the matcher. Drawn from a
    second generator, so the rest of the file is the same either way. Such numbers may be
    someone's: the files are for benchmarks on this machine, where phones are only compared,
    never dialled or messaged; keep them out of anything shared (examples/ never uses them).

    ``companies``: that many generated firms in place of the named ones, and a
    ``firmographics.csv`` for them beside the file; ``census_names``: names drawn with the US
    census's frequencies (both in campaign_world.py, which says why)."""
    rng = random.Random(seed)
    phones = random.Random(seed + 1) if wide_phones else None
    pools, recent = (
        build_pools(rng),
        deque(maxlen=256),
    )  # duplicates repeat someone seen shortly before
    out.mkdir(parents=True, exist_ok=True)
    names = None
    if companies or census_names:
        from campaign_world import CensusNames, wide_pools, write_firmographics

        names = CensusNames() if census_names else None
        if companies:
            pools = wide_pools(companies)
            write_firmographics(out / "firmographics.csv", pools)
    path = out / f"webinar_bench_{n_rows}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(WEBINAR_HEADER + "\n")
        for i in range(n_rows):
            roll = rng.random()
            if roll < 0.01:
                bad = bad_row(rng, BAD_KINDS[i % 3], i, pools, None, webinar_fields, 4, " EMEA")
                handle.write(",".join(bad["fields"]) + "\n")
                continue
            if roll < 0.03 and recent:
                person, raw = rng.choice(recent)
                raw = raw if rng.random() < 0.5 else near_variant(rng, raw)
            else:  # the row number in the local part keeps addresses unique without remembering them
                person = make_person(rng, rng.random() < 0.15, pools, None, f".{i}", names)
                if phones is not None and person["zh"] is None:
                    exchange = f"{phones.randint(200, 999)}{phones.randint(0, 9999):04d}"
                    person["mobile"] = person["mobile"][:3] + exchange
                raw = person["email"]
                recent.append((person, raw))
            handle.write(csv_line(webinar_fields(rng, person, raw)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="output folder (default: the repo's examples/)")
    parser.add_argument(
        "--rows", type=int, help="bench mode: stream one webinar-style CSV of this many rows"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--wide-phones",
        action="store_true",
        help="bench mode: phone numbers from the whole plan, not the 555-01xx ones (see write_bench)",
    )
    parser.add_argument(
        "--companies",
        type=int,
        default=0,
        help="bench mode: this many generated firms instead of the 102 named ones, and their"
        " firmographics.csv (see campaign_world.py)",
    )
    parser.add_argument(
        "--census-names",
        action="store_true",
        help="bench mode: names with the US census's frequencies (needs the bench extra)",
    )
    args = parser.parse_args()
    if args.rows is not None:
        if args.out is None:
            parser.error("--rows needs --out (keep large benchmark files out of examples/)")
        print(
            write_bench(
                args.out, args.rows, args.seed, args.wide_phones, args.companies, args.census_names
            )
        )
    else:
        write_samples(args.out or Path(__file__).resolve().parent.parent / "examples", args.seed)


if __name__ == "__main__":
    main()

"""Lead-to-account matching, and dedupe_file on plain files with inferred or given configs."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from leadflow.dedupe.engine import (
    Account,
    AccountIndex,
    Kind,
    dedupe_file,
    infer_config,
    load_config,
    write_config,
)

ACCOUNTS = [
    Account(1, "Acme Corporation", ("acme.com",), "US"),
    Account(2, "北京三体云动科技有限公司", ("santi.cn",), "CN"),
    Account(3, "北京三快在线科技有限公司", ("meituan.com",), "CN"),
    Account(4, "Globex GmbH", ("globex.de",), "DE"),
    Account(5, "Globex Inc", ("globex.com",), "US"),
    Account(6, "Shared Hosting Co", ("acme.com",), "GB"),
]


def test_domain_comes_first_and_free_mail_is_never_a_domain() -> None:
    index = AccountIndex(ACCOUNTS)
    hit = index.match(email="ada@acme.com", company="Acme")
    assert hit is not None and hit.account_id == 1 and hit.method == "domain"
    assert hit.tie_breakers == ("company name similarity",)  # two accounts hold acme.com
    free = index.match(email="ada@gmail.com", company="Globex GmbH")
    assert free is not None and free.method == "name" and free.account_id == 4


def test_chinese_company_written_another_way_finds_its_account_and_not_its_neighbour() -> None:
    index = AccountIndex(ACCOUNTS)
    for written in ("三體雲動", "三体云动（北京）科技有限公司", "北京市三体云动科技有限公司"):
        hit = index.match(company=written)
        assert hit is not None and hit.account_id == 2, written
    homophone = index.match(company="三体云东科技有限公司")  # same pinyin, one character off
    assert homophone is not None and homophone.account_id == 2 and homophone.method == "fuzzy_name"
    assert index.match(company="北京三元食品有限公司") is None


def test_ties_on_name_are_broken_by_country_then_id_and_recorded() -> None:
    index = AccountIndex(ACCOUNTS)
    by_country = index.match(company="GLOBEX", country="US")
    assert (
        by_country is not None
        and by_country.account_id == 5
        and by_country.tie_breakers == ("same country",)
    )
    by_id = index.match(company="Globex")
    assert (
        by_id is not None
        and by_id.account_id == 4
        and by_id.tie_breakers == ("smallest account id",)
    )
    assert len(by_id.candidates) == 2


def test_headers_infer_kinds_and_row_keys_are_left_out() -> None:
    config, ignored = infer_config(
        [
            "rec_id",
            "given_name",
            "surname",
            "date_of_birth",
            "postcode",
            "suburb",
            "soc_sec_id",
            "Email Address",
            "Mobile",
            "Company Name",
            "notes",
        ]
    )
    kinds = {spec.name: spec.kind for spec in config.fields}
    assert kinds == {
        "given_name": Kind.NAME,
        "surname": Kind.NAME,
        "date_of_birth": Kind.DATE,
        "postcode": Kind.POSTCODE,
        "suburb": Kind.ADDRESS,
        "soc_sec_id": Kind.IDENTIFIER,
        "Email Address": Kind.EMAIL,
        "Mobile": Kind.PHONE,
        "Company Name": Kind.COMPANY,
    }
    assert ignored == ["rec_id", "notes"]


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


LEADS = [
    {
        "First Name": "Ada",
        "Last Name": "Lovelace",
        "Email": "ada.lovelace@gmail.com",
        "Company": "Analytical Engines Ltd",
        "Phone": "+44 20 7946 0001",
    },
    {
        "First Name": "ada",
        "Last Name": "lovelace",
        "Email": "adalovelace+x@gmail.com",
        "Company": "Analytical Engines",
        "Phone": "020 7946 0001",
    },
    {
        "First Name": "Charles",
        "Last Name": "Babbage",
        "Email": "cb@engines.co.uk",
        "Company": "Analytical Engines Ltd",
        "Phone": "+44 20 7946 0002",
    },
    {
        "First Name": "Grace",
        "Last Name": "Hopper",
        "Email": "grace@navy.mil",
        "Company": "US Navy",
        "Phone": "",
    },
]


def test_dedupe_file_writes_every_row_with_cluster_and_probability(tmp_path: Path) -> None:
    source, out, cfg = tmp_path / "leads.csv", tmp_path / "out.csv", tmp_path / "config.yaml"
    _write_csv(source, LEADS * 1)
    report = dedupe_file(source, out, config_out=cfg)
    with out.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == len(LEADS) == report.rows
    assert written[0]["cluster_id"] == written[1]["cluster_id"]  # Gmail dots and +tag: one mailbox
    assert len({row["cluster_id"] for row in written}) == 3
    assert float(written[0]["match_probability"]) > 0.9
    assert report.inferred and report.merged_rows == 1
    saved = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    assert saved["columns"]["Email"] == "email" and saved["columns"]["Company"] == "company"
    again = dedupe_file(source, tmp_path / "again.csv", config=cfg)  # the written config runs as is
    assert again.clusters == report.clusters and not again.inferred


def test_link_two_files_matches_across_only(tmp_path: Path) -> None:
    left, right, out = tmp_path / "crm.csv", tmp_path / "event.csv", tmp_path / "linked.csv"
    _write_csv(left, [LEADS[0], LEADS[2], LEADS[3]])
    _write_csv(right, [LEADS[1]])
    dedupe_file(left, out, link=right)
    with out.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [row["source"] for row in written] == ["1", "1", "1", "2"]
    assert written[3]["cluster_id"] == written[0]["cluster_id"]


def test_config_round_trips_through_yaml(tmp_path: Path) -> None:
    config = load_config(
        {
            "columns": {"mail": "email", "who": "person_name", "town": "city"},
            "thresholds": {"merge": 0.95, "review": 0.6},
            "email_policy": {"gmail_dots": False, "plus_tags": "none"},
        }
    )
    write_config(config, tmp_path / "c.yaml")
    again = load_config(tmp_path / "c.yaml")
    assert again.fields == config.fields and again.thresholds == config.thresholds
    assert again.email_policy == config.email_policy
    assert [spec.kind for spec in again.fields] == [Kind.EMAIL, Kind.NAME, Kind.ADDRESS]

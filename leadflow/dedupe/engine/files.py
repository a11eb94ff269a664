"""Deduplicate (or link) any file: ``dedupe_file(path, out, config=None, link=None)``.

Reads CSV, TSV, XLSX, JSON or JSON Lines (any common encoding), writes every input row with
``cluster_id`` (the row number of the first row of its cluster) and ``match_probability`` (its
best match probability with any other row). Without a config the comparison kind of each
column is inferred from its header (given_name, surname, date_of_birth, postcode, suburb,
email, phone, company, ...); the config used is in the report and can be written as YAML:

    columns:            # column -> kind: email, phone, name, company, domain, date,
      email: email      #   postcode, address, text, category, identifier
      surname: name
    thresholds: {merge: 0.9, review: 0.5}
    email_policy: {gmail_dots: true, plus_tags: known}

With ``link=OTHER`` the rows of both files are matched across the files only; the output has a
``source`` column (1 for ``path``, 2 for ``OTHER``) and row numbers continue into the second file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from leadflow.dedupe.engine.api import Matcher, MatchResult
from leadflow.dedupe.engine.kinds import (
    BlockingOptions,
    EmailPolicy,
    FieldSpec,
    Kind,
    MatchConfig,
    Thresholds,
    parse_kind,
)
from leadflow.ingest.sources import open_source

# Header patterns, first hit wins; headers are lower-cased with non-alphanumerics as "_".
HEADER_KINDS: list[tuple[str, Kind]] = [
    (r"e_?mail|邮箱|邮件", Kind.EMAIL),
    (r"phone|mobile|^tel|telephone|手机|电话", Kind.PHONE),
    (r"birth|^dob$|birthday|出生", Kind.DATE),
    ((r"^(given|first|fore|middle)_?names?$|^first$|^surname$|^(last|family)_?name$|^last$|"
      r"^(full_|contact_)?name$|^姓名?$|^名$|联系人"), Kind.NAME),
    (r"company|organi[sz]ation|^org$|account_?name|employer|公司|单位|企业", Kind.COMPANY),
    (r"domain|website|^url$|^web$|网站|域名", Kind.DOMAIN),
    (r"post_?code|^zip|postal|邮编", Kind.POSTCODE),
    (r"suburb|city|town|address|street(?!_?(number|no))|locality|地址|城市", Kind.ADDRESS),
    (r"soc_sec|ssn|national_id|passport|tax_?id|customer_?(id|number)|身份证", Kind.IDENTIFIER),
    (r"^state$|province|country|region|gender|^sex$|street_?(number|no)|省|国家", Kind.CATEGORY),
]
ROW_KEY = re.compile(r"^(rec|record|row|entity|cluster|true|unique|uu)?_?(id|key|uid|uuid)$")


@dataclass
class FileReport:
    rows: int
    config: MatchConfig
    inferred: bool
    ignored_columns: list[str]
    clusters: int
    merged_rows: int  # rows that joined another row's cluster
    review_pairs: int
    details: dict[str, Any] = field(default_factory=dict)


def _header_key(header: str) -> str:
    return re.sub(r"[^0-9a-z\u3400-\u9fff]+", "_", header.strip().lower()).strip("_")


def infer_kind(header: str) -> Kind | None:
    key = _header_key(header)
    if ROW_KEY.match(key):
        return None
    return next((kind for pattern, kind in HEADER_KINDS if re.search(pattern, key)), None)


def infer_config(headers: list[str]) -> tuple[MatchConfig, list[str]]:
    """A config from header names alone, and the headers it leaves out."""
    specs, ignored = [], []
    for header in headers:
        kind = infer_kind(header)
        if kind is None:
            ignored.append(header)
        else:
            specs.append(FieldSpec(header, kind))
    if not specs:
        raise ValueError(f"no column could be given a comparison kind: {headers}")
    return MatchConfig(fields=tuple(specs)), ignored


def config_to_dict(config: MatchConfig) -> dict[str, Any]:
    return {
        "columns": {spec.name: str(spec.kind) for spec in config.fields},
        "thresholds": {"merge": config.thresholds.merge, "review": config.thresholds.review},
        "email_policy": {"gmail_dots": config.email_policy.gmail_dots, "plus_tags": config.email_policy.plus_tags},
    }


def write_config(config: MatchConfig, path: Path | str) -> None:
    Path(path).write_text(yaml.safe_dump(config_to_dict(config), allow_unicode=True, sort_keys=False),
                          encoding="utf-8")


def load_config(config: MatchConfig | Mapping[str, Any] | Path | str) -> MatchConfig:
    """A MatchConfig from itself, a dict like the YAML above, or a YAML file."""
    if isinstance(config, MatchConfig):
        return config
    data = yaml.safe_load(Path(config).read_text(encoding="utf-8")) if isinstance(config, (str, Path)) else config
    columns = data.get("columns") or {}
    specs = tuple(FieldSpec(str(name), parse_kind(str(kind))) for name, kind in columns.items())
    options: dict[str, Any] = {}
    if "thresholds" in data:
        options["thresholds"] = Thresholds(**data["thresholds"])
    if "email_policy" in data:
        options["email_policy"] = EmailPolicy(**data["email_policy"])
    if "blocking" in data:
        blocking = dict(data["blocking"])
        if "rules" in blocking:
            blocking["rules"] = tuple(tuple(rule) for rule in blocking["rules"])
        options["blocking"] = BlockingOptions(**blocking)
    return MatchConfig(fields=specs, **options)


def read_rows(path: Path | str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (padded to the headers) of any file open_source reads."""
    with open_source(path) as (info, raw_rows):
        headers = list(info.headers)
        rows: list[list[str]] = []
        for raw in raw_rows:
            if raw.record is not None:
                for key in raw.record:
                    if key not in headers:
                        headers.append(key)
                rows.append([raw.record.get(h, "") for h in headers])
            elif raw.values is not None:
                rows.append(list(raw.values))
    width = len(headers)
    return headers, [(row + [""] * width)[:width] for row in rows]


def _columns(headers: list[str], rows: list[list[str]], names: list[str]) -> dict[str, list[str | None]]:
    index = {h: k for k, h in enumerate(headers)}
    return {name: [row[index[name]] or None if name in index else None for row in rows] for name in names}


def dedupe_file(path: Path | str, out: Path | str, config: MatchConfig | Mapping[str, Any] | Path | str | None = None,
                link: Path | str | None = None, config_out: Path | str | None = None) -> FileReport:
    """Cluster the rows of ``path`` (or link them to ``link``'s) and write them all to ``out`` (CSV)."""
    headers, rows = read_rows(path)
    other_headers, other_rows = read_rows(link) if link is not None else ([], [])
    inferred = config is None
    if config is None:
        shared = [h for h in headers if link is None or h in other_headers]
        cfg, ignored = infer_config(shared)
        ignored += [h for h in headers if h not in shared]
    else:
        cfg = load_config(config)
        ignored = [h for h in headers if h not in {s.name for s in cfg.fields}]
    names = [spec.name for spec in cfg.fields]
    matcher = Matcher(cfg)
    left = _columns(headers, rows, names)
    result = matcher.link(left, _columns(other_headers, other_rows, names)) if link is not None else matcher.dedupe(left)
    _write(out, headers, rows, other_headers, other_rows, result, link is not None)
    if config_out is not None:
        write_config(cfg, config_out)
    sizes: dict[int, int] = {}
    for label in result.cluster.tolist():
        sizes[label] = sizes.get(label, 0) + 1
    return FileReport(rows=len(rows) + len(other_rows), config=cfg, inferred=inferred, ignored_columns=ignored,
                      clusters=len(sizes), merged_rows=len(rows) + len(other_rows) - len(sizes),
                      review_pairs=len(result.review_pairs().left), details=result.report.as_dict())


def _write(out: Path | str, headers: list[str], rows: list[list[str]], other_headers: list[str],
           other_rows: list[list[str]], result: MatchResult, linked: bool) -> None:
    all_headers = headers + [h for h in other_headers if h not in headers]
    extra = (["source"] if linked else []) + ["cluster_id", "match_probability"]
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(all_headers + extra)
        for source, (hdrs, block, offset) in enumerate(((headers, rows, 0), (other_headers, other_rows, len(rows))), 1):
            index = {h: k for k, h in enumerate(hdrs)}
            for k, row in enumerate(block):
                record = [row[index[h]] if h in index else "" for h in all_headers]
                rid = offset + k
                tail = [str(int(result.cluster[rid]) + 1), f"{float(result.best_probability[rid]):.4f}"]
                writer.writerow(record + ([str(source)] if linked else []) + tail)

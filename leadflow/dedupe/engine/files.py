"""Deduplicate (or link) any file: ``dedupe_file(path, out, config=None, link=None)``.

Reads CSV, TSV, XLSX, JSON or JSON Lines (any common encoding), writes every input row with
``cluster_id`` (the row number of the first row of its cluster) and ``match_probability`` (its
best match probability with any other row). Without a config the comparison kind of each
column is inferred from its header and its values (see infer.py; each column's reason is in the
report); the config used is in the report and can be written as YAML (see policy.py):

    columns:            # column -> kind: email, phone, name, company, domain, date,
      email: email      #   postcode, address, text, category, identifier
      surname: name
    thresholds: {merge: 0.9, review: 0.5}
    email_policy: {gmail_dots: true, plus_tags: known}
    clustering: {method: split}   # split | star | components

With ``link=OTHER`` the rows of both files are matched across the files only; the output has a
``source`` column (1 for ``path``, 2 for ``OTHER``) and row numbers continue into the second file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from leadflow.core.safe_csv import SafeWriter
from leadflow.dedupe.engine.api import Matcher, MatchResult
from leadflow.dedupe.kinds import (
    BlockingOptions,
    EmailPolicy,
    FieldSpec,
    Kind,
    Clustering,
    MatchConfig,
    Thresholds,
    parse_kind,
)
from leadflow.dedupe.policy import FileMatchPolicy, load_file_policy
from leadflow.dedupe.engine.infer import ColumnGuess, header_kinds, infer_columns
from leadflow.ingest.sources import open_source


# A progress callback: (stage, rows of the stage done); stages "reading", "matching", "writing",
# each counting the rows of both files from zero. Row-level calls are cheap: the CLI's bar.
Progress = Callable[[str, int], None]


def _no_progress(stage: str, done: int) -> None:
    return None


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
    inference: list[ColumnGuess] = field(default_factory=list)  # when inferred: each column and why
    cluster_sizes: dict[int, int] = field(default_factory=dict)  # records in a cluster -> clusters


def infer_kind(header: str) -> Kind | None:
    """The kind a header alone suggests (None for a row key or an unknown header)."""
    return next(iter(header_kinds(header)), None)


def infer_config(
    headers: list[str], columns: Mapping[str, Sequence[object]] | None = None
) -> tuple[MatchConfig, list[str]]:
    """A config from the headers, and from the values when ``columns`` (header -> values) is
    given (see infer.py); and the headers it leaves out."""
    return config_from_guesses(infer_guesses(headers, columns))


def config_from_guesses(guesses: list[ColumnGuess]) -> tuple[MatchConfig, list[str]]:
    specs = tuple(FieldSpec(g.column, g.kind) for g in guesses if g.kind is not None)
    if not specs:
        headers = [g.column for g in guesses]
        raise ValueError(f"no column could be given a comparison kind: {headers}")
    return MatchConfig(fields=specs), [g.column for g in guesses if g.kind is None]


def infer_guesses(
    headers: list[str], columns: Mapping[str, Sequence[object]] | None = None
) -> list[ColumnGuess]:
    if columns is None:
        return [ColumnGuess(h, infer_kind(h), "header") for h in headers]
    return infer_columns({h: columns[h] for h in headers})


def config_to_dict(config: MatchConfig) -> dict[str, Any]:
    """Every option of ``config`` as --config YAML takes it (see leadflow/dedupe/policy.py)."""
    blocking, clustering = config.blocking, config.clustering
    return {
        "version": 1,
        "columns": {spec.name: str(spec.kind) for spec in config.fields},
        "thresholds": {"merge": config.thresholds.merge, "review": config.thresholds.review},
        "email_policy": {
            "gmail_dots": config.email_policy.gmail_dots,
            "plus_tags": config.email_policy.plus_tags,
        },
        "blocking": {
            "max_block": blocking.max_block,
            "window": blocking.window,
            "max_pairs_per_record": blocking.max_pairs_per_record,
            "min_pairs": blocking.min_pairs,
            "rules": [list(rule) for rule in blocking.rules] if blocking.rules else None,
        },
        "clustering": {
            "method": str(clustering.method),
            "link": clustering.link,
            "split_at": clustering.split_at,
            "max_dense": clustering.max_dense,
        },
        "seed": config.seed,
        "u_samples": config.u_samples,
    }


def write_config(config: MatchConfig, path: Path | str) -> None:
    Path(path).write_text(
        yaml.safe_dump(config_to_dict(config), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


def policy_to_config(policy: FileMatchPolicy) -> MatchConfig:
    rules = tuple(tuple(rule) for rule in policy.blocking.rules) if policy.blocking.rules else None
    return MatchConfig(
        fields=tuple(FieldSpec(name, parse_kind(kind)) for name, kind in policy.columns.items()),
        thresholds=Thresholds(policy.thresholds.merge, policy.thresholds.review),
        email_policy=EmailPolicy(policy.email_policy.gmail_dots, policy.email_policy.plus_tags),
        blocking=BlockingOptions(**{**policy.blocking.model_dump(), "rules": rules}),
        clustering=Clustering(**policy.clustering.model_dump()),
        seed=policy.seed,
        u_samples=policy.u_samples,
    )


def load_config(config: MatchConfig | Mapping[str, Any] | Path | str) -> MatchConfig:
    """A MatchConfig from itself, a dict like the YAML above, or a YAML file (strict: unknown
    keys and bad values raise ConfigError naming the file, line and field)."""
    if isinstance(config, MatchConfig):
        return config
    if isinstance(config, (str, Path)):
        return policy_to_config(load_file_policy(Path(config)))
    policy = FileMatchPolicy.model_validate(dict(config))
    problems = policy.reference_errors()
    if problems:
        raise ValueError(f"{'.'.join(map(str, problems[0][0]))}: {problems[0][1]}")
    return policy_to_config(policy)


def read_rows(
    path: Path | str, on_row: Callable[[int], None] | None = None
) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (padded to the headers) of any file open_source reads.

    ``on_row(rows read so far)`` after each row, for a progress bar."""
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
            if on_row is not None:
                on_row(len(rows))
    width = len(headers)
    return headers, [(row + [""] * width)[:width] for row in rows]


def _columns(
    headers: list[str], rows: list[list[str]], names: list[str]
) -> dict[str, list[str | None]]:
    index = {h: k for k, h in enumerate(headers)}
    return {
        name: [row[index[name]] or None if name in index else None for row in rows]
        for name in names
    }


def dedupe_file(
    path: Path | str,
    out: Path | str,
    config: MatchConfig | Mapping[str, Any] | Path | str | None = None,
    link: Path | str | None = None,
    config_out: Path | str | None = None,
    progress: Progress = _no_progress,
) -> FileReport:
    """Cluster the rows of ``path`` (or link them to ``link``'s) and write them all to ``out`` (CSV)."""
    headers, rows = read_rows(path, lambda done: progress("reading", done))
    other_headers, other_rows = (
        read_rows(link, lambda done: progress("reading", len(rows) + done))
        if link is not None
        else ([], [])
    )
    progress("matching", 0)
    inferred = config is None
    guesses: list[ColumnGuess] = []
    if config is None:
        shared = [h for h in headers if link is None or h in other_headers]
        values = _columns(headers, rows, shared)
        if link is not None:
            more = _columns(other_headers, other_rows, shared)
            values = {h: values[h] + more[h] for h in shared}
        guesses = infer_guesses(shared, values)
        cfg, ignored = config_from_guesses(guesses)
        ignored += [h for h in headers if h not in shared]
    else:
        cfg = load_config(config)
        ignored = [h for h in headers if h not in {s.name for s in cfg.fields}]
    names = [spec.name for spec in cfg.fields]
    matcher = Matcher(cfg)
    left = _columns(headers, rows, names)
    result = (
        matcher.link(left, _columns(other_headers, other_rows, names))
        if link is not None
        else matcher.dedupe(left)
    )
    progress("matching", len(rows) + len(other_rows))
    _write(out, headers, rows, other_headers, other_rows, result, link is not None, progress)
    if config_out is not None:
        write_config(cfg, config_out)
    sizes: dict[int, int] = {}
    for label in result.cluster.tolist():
        sizes[label] = sizes.get(label, 0) + 1
    return FileReport(
        rows=len(rows) + len(other_rows),
        config=cfg,
        inferred=inferred,
        ignored_columns=ignored,
        clusters=len(sizes),
        merged_rows=len(rows) + len(other_rows) - len(sizes),
        review_pairs=len(result.review_pairs().left),
        details=result.report.as_dict(),
        inference=guesses,
        cluster_sizes=dict(sorted(Counter(sizes.values()).items())),
    )


def _write(
    out: Path | str,
    headers: list[str],
    rows: list[list[str]],
    other_headers: list[str],
    other_rows: list[list[str]],
    result: MatchResult,
    linked: bool,
    progress: Progress = _no_progress,
) -> None:
    all_headers = headers + [h for h in other_headers if h not in headers]
    extra = (["source"] if linked else []) + ["cluster_id", "match_probability"]
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = SafeWriter(handle)
        writer.writerow(all_headers + extra)
        for source, (hdrs, block, offset) in enumerate(
            ((headers, rows, 0), (other_headers, other_rows, len(rows))), 1
        ):
            index = {h: k for k, h in enumerate(hdrs)}
            for k, row in enumerate(block):
                record = [row[index[h]] if h in index else "" for h in all_headers]
                rid = offset + k
                tail = [
                    str(int(result.cluster[rid]) + 1),
                    f"{float(result.best_probability[rid]):.4f}",
                ]
                writer.writerow(record + ([str(source)] if linked else []) + tail)
                progress("writing", rid + 1)

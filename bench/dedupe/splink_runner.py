"""splink on the benchmark datasets, configured as its documentation does (DuckDB backend).

Same columns as leadflow uses, cleaned as splink's data-preparation guide advises (trimmed,
lower-cased, phones reduced to their last ten digits, empty strings as nulls); comparisons from
splink's comparison library with term-frequency adjustments on every field where a value can be
shared by different people (names, places, a role mailbox, a switchboard number); prior from
deterministic rules, u from random sampling, m from EM sessions blocked on a few fields; clusters
by connected components at a probability (splink's only clustering). Benchmark-only: splink is
not a leadflow dependency.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd


def _comparisons(dataset: str) -> list[Any]:
    import splink.comparison_library as cl

    if dataset == "historical":  # splink's own example for this dataset (deduplicate_50k_synthetic)
        return [
            cl.ForenameSurnameComparison(
                "first_name",
                "surname",
                forename_surname_concat_col_name="first_name_surname_concat",
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode_fake"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        ]

    if dataset in ("febrl3", "febrl4"):
        return [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.8]),
            cl.DamerauLevenshteinAtThresholds("street_number", [1]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("state").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ]
    return [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        _mailbox(),
        _workplace(),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]).configure(
            term_frequency_adjustments=True
        ),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"),
    ]


def _mailbox() -> Any:
    """The address and its mailbox name. Not EmailComparison's fuzzy levels on the whole address:
    two colleagues' addresses share the domain and score alike on it."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression

    user = ColumnExpression("email").regex_extract("^[^@]+")
    return cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email", term_frequency_adjustments=True),
            cll.ExactMatchLevel(user),
            cll.JaroWinklerLevel(user, 0.88),
            cll.ElseLevel(),
        ],
    )


def _workplace() -> Any:
    """Company, switchboard phone and city as one comparison: colleagues share all three, and
    Fellegi-Sunter would add them up as three independent agreements (splink's guide warns
    against correlated comparisons; a combined one is its remedy)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    phone = cll.ExactMatchLevel("phone", term_frequency_adjustments=True)
    return cl.CustomComparison(
        output_column_name="workplace",
        comparison_levels=[
            cll.And(cll.NullLevel("company"), cll.NullLevel("phone")),
            cll.And(phone, cll.JaroWinklerLevel("company", 0.88)),
            phone,
            cll.DamerauLevenshteinLevel("phone", 1),
            cll.And(cll.JaroWinklerLevel("company", 0.95), cll.ExactMatchLevel("city")),
            cll.JaroWinklerLevel("company", 0.88),
            cll.ElseLevel(),
        ],
    )


def _rules(dataset: str) -> tuple[list[Any], list[Any], list[Any]]:
    """(prediction blocking, deterministic rules for the prior, EM blocking)."""
    from splink import block_on

    if dataset == "historical":  # as splink's example for this dataset, word for word
        predict = [
            block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("postcode_fake", "first_name"),
            block_on("postcode_fake", "surname"),
            block_on("dob", "birth_place"),
            block_on("substr(postcode_fake,1,3)", "dob"),
            block_on("substr(postcode_fake,1,3)", "first_name"),
            block_on("substr(postcode_fake,1,3)", "surname"),
            block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
        ]
        deterministic = [
            block_on("first_name", "surname", "dob"),
            block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
            block_on("dob", "postcode_fake"),
        ]
        return predict, deterministic, [block_on("first_name", "surname"), block_on("dob")]
    if dataset in ("febrl3", "febrl4"):
        predict = [
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
            block_on("soc_sec_id"),
        ]
        deterministic = [
            block_on("soc_sec_id", "date_of_birth"),
            block_on("given_name", "surname", "date_of_birth"),
        ]
        em = [block_on("date_of_birth"), block_on("postcode"), block_on("given_name", "surname")]
        return predict, deterministic, em
    # Tuned with splink.blocking_analysis.count_comparisons_from_blocking_rules at 1M: pairs on
    # (surname, city), (given_name, company) and (surname, postcode) alone made 120M of the
    # 188M comparisons; an initial added to each brings the total to tens of millions.
    predict = [
        block_on("email"),
        block_on("phone"),
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("surname", "postcode", "substr(given_name, 1, 1)"),
        block_on("given_name", "company", "substr(surname, 1, 1)"),
        block_on("surname", "company", "substr(given_name, 1, 1)"),
    ]
    deterministic = [
        block_on("email", "given_name"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    em = [
        block_on("email"),
        block_on("given_name", "surname"),
        block_on("date_of_birth", "postcode"),
    ]
    return predict, deterministic, em


def clean(frame: pd.DataFrame, mixed_dates: bool = False) -> pd.DataFrame:
    """splink compares values as given: the cleaning its guide asks of the user, done for it."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].str.strip().str.lower().replace("", None)
    if "phone" in frame.columns:
        digits = frame["phone"].str.replace(r"\D", "", regex=True).str[-10:]
        frame["phone"] = digits.where(digits.str.len() >= 7, None)
    if mixed_dates:  # the hard set writes dates five ways: one format for splink
        parsed = pd.to_datetime(
            frame["date_of_birth"], format="mixed", dayfirst=True, errors="coerce"
        )
        frame["date_of_birth"] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None)
    return frame


def run(
    dataset: str, frames: list[pd.DataFrame], thresholds: tuple[float, ...]
) -> dict[float, tuple[pd.Series, float]]:
    """(cluster id per unique_id, seconds) at each threshold. The seconds are those to the
    predictions plus that threshold's own clustering, as if it were the only one asked for."""
    clock = time.perf_counter()
    from splink import DuckDBAPI, Linker, SettingsCreator

    predict_rules, deterministic, em_rules = _rules(dataset)
    settings = SettingsCreator(
        link_type="link_only" if len(frames) == 2 else "dedupe_only",
        comparisons=_comparisons(dataset),
        blocking_rules_to_generate_predictions=predict_rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    db_api = DuckDBAPI()
    if dataset == "historical":  # the example's own preparation, recall and training
        frame = frames[0].copy()
        frame["first_name_surname_concat"] = frame["first_name"] + " " + frame["surname"]
        linker = Linker(db_api.register(frame), settings, log_level="WARNING")
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.6)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
        for rule in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
    else:
        tables = [db_api.register(clean(frame, dataset == "hard")) for frame in frames]
        linker = Linker(tables if len(tables) == 2 else tables[0], settings, log_level="WARNING")
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
        for rule in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    predicted = time.perf_counter() - clock
    out = {}
    for threshold in thresholds:
        clock = time.perf_counter()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold
        )
        frame = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
        out[threshold] = (
            frame.set_index("unique_id")["cluster_id"],
            predicted + time.perf_counter() - clock,
        )
    return out

"""splink on the benchmark datasets, configured as its documentation does (DuckDB backend).

Same columns as leadflow uses; comparisons from splink's comparison library with term-frequency
adjustments on names and places; prior from deterministic rules, u from random sampling, m from
EM sessions blocked on a few fields; clusters by connected components at a probability.
Benchmark-only: splink is not a leadflow dependency.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def _comparisons(dataset: str) -> list[Any]:
    import splink.comparison_library as cl

    if dataset in ("febrl3", "febrl4"):
        return [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.8]),
            cl.DamerauLevenshteinAtThresholds("street_number", [1]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("state").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ]
    return [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.EmailComparison("email"),
        cl.DamerauLevenshteinAtThresholds("phone", [1, 2]),
        cl.JaroWinklerAtThresholds("company", [0.95, 0.88]).configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("city", [0.9, 0.8]).configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]).configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"),
    ]


def _rules(dataset: str) -> tuple[list[Any], list[Any], list[Any]]:
    """(prediction blocking, deterministic rules for the prior, EM blocking)."""
    from splink import block_on

    if dataset in ("febrl3", "febrl4"):
        predict = [block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
                   block_on("postcode"), block_on("soc_sec_id")]
        deterministic = [block_on("soc_sec_id", "date_of_birth"),
                         block_on("given_name", "surname", "date_of_birth")]
        em = [block_on("date_of_birth"), block_on("postcode"), block_on("given_name", "surname")]
        return predict, deterministic, em
    predict = [block_on("email"), block_on("phone"), block_on("given_name", "surname"),
               block_on("surname", "date_of_birth"), block_on("given_name", "date_of_birth"),
               block_on("surname", "postcode"), block_on("given_name", "company"),
               block_on("surname", "company"), block_on("surname", "city")]
    deterministic = [block_on("email", "given_name"), block_on("given_name", "surname", "date_of_birth")]
    em = [block_on("email"), block_on("given_name", "surname"), block_on("date_of_birth", "postcode")]
    return predict, deterministic, em


def run(dataset: str, frames: list[pd.DataFrame], thresholds: tuple[float, ...]) -> dict[float, pd.Series]:
    """Cluster id per unique_id at each threshold (the first one is the timed one)."""
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
    tables = [db_api.register(frame) for frame in frames]
    linker = Linker(tables if len(tables) == 2 else tables[0], settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    out = {}
    for threshold in thresholds:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
        frame = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
        out[threshold] = frame.set_index("unique_id")["cluster_id"]
    return out

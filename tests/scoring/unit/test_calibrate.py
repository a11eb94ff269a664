"""Calibration: AUC is right on known cases; fitted points recover a hidden ranking."""

from __future__ import annotations

import random

import pytest

from leadflow.scoring.calibrate import auc, calibrate, held_out
from tests.factories import make_lead_view, make_scoring_policy


def test_auc_on_known_orderings() -> None:
    assert auc([3, 2, 1, 0], [True, True, False, False]) == 1.0
    assert auc([0, 1, 2, 3], [True, True, False, False]) == 0.0
    assert auc([1, 1, 1, 1], [True, False, True, False]) == 0.5


def test_calibration_learns_which_rules_predict_the_outcome() -> None:
    # The current policy rewards Retail; in the hidden truth only Software converts.
    policy = make_scoring_policy(
        fit_rules=[
            {"id": "software", "field": "industry", "equals": "Software", "points": 5},
            {"id": "retail", "field": "industry", "equals": "Retail", "points": 40},
            {"id": "big", "field": "employees", "min": 1000, "points": 10},
        ]
    )
    rng = random.Random(7)
    leads, labels = [], []
    for n in range(3000):
        industry = rng.choice(["Software", "Retail", "Media"])
        employees = rng.choice([50, 5000])
        p = 0.05 + 0.5 * (industry == "Software") + 0.2 * (employees >= 1000)
        leads.append(
            make_lead_view(email=f"lead{n}@x{n}.example", industry=industry, employees=employees)
        )
        labels.append(rng.random() < p)
    result = calibrate(leads, labels, policy)
    assert result.auc_after > result.auc_before + 0.2
    points = result.proposed_points
    assert points["software"] == 30 and points["software"] > points["big"] > 0
    assert abs(points["retail"]) <= 3  # retail converts like the baseline: near zero
    assert 800 < result.held_out < 1000  # ~30% held out, never used to fit
    assert result.rows == 3000 and result.positives == sum(labels)


def test_precision_and_recall_at_the_mql_threshold_are_held_out() -> None:
    policy = make_scoring_policy(
        fit_rules=[{"id": "us", "field": "country", "equals": "US", "points": 80}]
    )
    leads = [
        make_lead_view(email=f"{i}@a.example", country="US" if i % 2 else "FR") for i in range(80)
    ]
    labels = [i % 3 == 0 for i in range(80)]
    result = calibrate(leads, labels, policy)
    held = [(lead, y) for lead, y in zip(leads, labels) if held_out(lead.email)]
    hot = [y for lead, y in held if lead.country == "US"]
    assert (result.precision_at_mql, result.recall_at_mql) == pytest.approx(
        (sum(hot) / len(hot), sum(hot) / sum(y for _, y in held))
    )

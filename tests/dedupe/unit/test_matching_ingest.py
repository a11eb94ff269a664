"""The pure parts of ingest's fuzzy merges: keys, probabilities to actions, the policy file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from leadflow.dedupe.policy import load_matching
from leadflow.core.errors import ConfigError
from leadflow.dedupe.merging.keys import lead_keys, mailbox_key, name_key
from leadflow.dedupe.merging.scoring import (
    BUILT_IN,
    FieldWeights,
    Weights,
    action,
    load_weights,
    name_share,
    save_weights,
    score_pairs,
    scored_pairs,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("John", "Smith", None), (None, None, "SMITH John")),
        (("Jon", "Smith", None), ("John", "Smyth", None)),
        ((None, None, "張偉"), (None, None, "张伟")),
        ((None, None, "郭秀英"), ("Xiuying", "Guo", None)),
        ((None, None, "郭秀英"), (None, None, "Guo Xiuying")),
        ((None, None, "郭秀英"), (None, None, "Guō Xiùyīng")),
        ((None, None, "郭秀英"), (None, None, "Ｘｉｕｙｉｎｇ　Ｇｕｏ")),
        ((None, None, "歐陽娜娜"), (None, None, "Nana Ouyang")),
        (("José", "Núñez", None), ("Jose", "Nunez", None)),
    ],
)
def test_name_keys_survive_case_order_spelling_and_script(a, b) -> None:
    assert name_key(*a) == name_key(*b) is not None


def test_different_names_get_different_keys() -> None:
    assert name_key("Ada", "Lovelace", None) != name_key("Grace", "Hopper", None)
    assert name_key(None, None, "王强") != name_key(None, None, "王芳")
    assert name_key(None, None, "  ") is None


@pytest.mark.parametrize(
    ("email", "plus_tags", "expected"),
    [
        ("J.Doe+news@GoogleMail.com", "gmail", "jdoe@gmail.com"),
        ("j.doe+news@acme.com", "gmail", "j.doe+news@acme.com"),  # off outside Gmail by default
        ("j.doe+news@acme.com", "all", "j.doe@acme.com"),
        ("j.doe+news@gmail.com", "none", "jdoe+news@gmail.com"),
    ],
)
def test_mailbox_keys_follow_the_policy(email: str, plus_tags: str, expected: str) -> None:
    assert mailbox_key(email, True, plus_tags) == expected


def test_free_mail_domains_and_missing_parts_make_no_composite_key() -> None:
    row = {
        "email": "wq@163.com",
        "full_name": "王强",
        "domain": "163.com",
        "is_free_mail": True,
        "company": "北京三体云动科技有限公司",
    }
    keys = lead_keys(row)
    assert keys.domain_name_key is None
    assert keys.company_name_key == "三体云动|q520 w520"  # Soundex of the pinyin: qiang, wang
    assert lead_keys({**row, "full_name": None}).company_name_key is None


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.99, "merge"),
        (0.95, "merge"),
        (0.8, "review"),
        (0.6, "review"),
        (0.59, "new"),
        (0.0, "new"),
    ],
)
def test_probability_thresholds_decide_the_action(p: float, expected: str) -> None:
    assert action(p, auto_merge=0.95, review=0.6) == expected


def person(name: str, company: str, **more: str) -> dict:
    return {"full_name": name, "company": company, "country": "CN", **more}


def test_one_company_written_another_way_scores_as_the_same_company() -> None:
    same, lookalike = score_pairs(
        [
            person("王强", "三體雲動（北京）科技有限公司", city="北京"),
            person("王强", "北京三快在线科技有限公司", city="北京"),
        ],
        [person("王强", "北京三体云动科技有限公司", city="北京")] * 2,
        BUILT_IN,
    )
    assert same.levels["company"] == "exact core name" and same.probability >= 0.95
    assert lookalike.levels["company"] == "different" and lookalike.probability < 0.6


def test_a_company_and_its_domain_are_one_piece_of_evidence() -> None:
    row = person("Jack Smith", "Copperleaf Media Inc", domain="copperleaf.com")
    lead = person("Jack Schmidt", "Copperleaf Media", domain="copperleaf.com")
    apart = Weights(BUILT_IN.prior, BUILT_IN.fields, groups=())
    assert (
        score_pairs([row], [lead], BUILT_IN)[0].probability
        < score_pairs([row], [lead], apart)[0].probability
    )
    assert score_pairs([row], [lead], BUILT_IN)[0].probability < 0.6


def test_a_pair_explained_on_demand_is_the_pair_scored_with_all_the_others() -> None:
    rows = [
        person("王强", "三體雲動（北京）科技有限公司", city="北京"),
        person("Jack Smith", "Copperleaf Media Inc", domain="copperleaf.com"),
        person("Ana Lima", "Acme", phone_e164="+4930123456"),
    ]
    leads = [
        person("王强", "北京三体云动科技有限公司", city="北京"),
        person("Jack Schmidt", "Copperleaf Media", domain="copperleaf.com"),
        person("Ana Lima", "Acme GmbH", phone_e164="+4930123456"),
    ]
    shares = [0.0, 0.002, 0.5]  # the last: a name half the leads hold, so its bits are cut
    every = score_pairs(rows, leads, BUILT_IN, shares)
    scored = scored_pairs(rows, leads, BUILT_IN, shares)
    assert [scored.score(k) for k in range(len(scored))] == every
    assert every[2].name_share == 0.5 and every[0].name_share is None
    # Only the fields both sides hold are explained, each with its level and its bits.
    assert "phone_e164" in every[2].levels and "phone_e164" not in every[0].levels
    assert all(set(score.levels) == set(score.bits) for score in every)
    assert every[0].levels["company"] == "exact core name"
    assert len(scored_pairs([], [], BUILT_IN)) == 0


def test_records_shared_by_many_pairs_score_as_each_pair_alone() -> None:
    # As a batch pairs them: one row object with each of its candidates, one lead object
    # a candidate of two rows. Each record is prepared once; every pair keeps its own score.
    jack = person("Jack Smith", "Copperleaf Media Inc", domain="copperleaf.com")
    ana = person("Ana Lima", "Acme", phone_e164="+4930123456", domain="gmail.com")
    ana["is_free_mail"] = True  # her domain says nothing, in whichever pair she stands
    shared = person("Jack Smith", "Copperleaf Media", domain="copperleaf.com")
    others = [
        person("Ana Lima", "Acme GmbH", phone_e164="+4930123456", domain="gmail.com"),
        person("Jack Schmidt", "Copperleaf", domain="copperleaf.com"),
    ]
    rows, leads = [jack, jack, ana, ana], [shared, others[1], shared, others[0]]
    alone = [
        score_pairs([dict(row)], [dict(lead)], BUILT_IN, [share])[0]
        for row, lead, share in zip(rows, leads, [0.0, 0.3, 0.0, 0.001], strict=True)
    ]
    together = score_pairs(rows, leads, BUILT_IN, [0.0, 0.3, 0.0, 0.001])
    assert together == alone
    assert "domain" not in together[3].levels and together[0].levels["domain"] == "exact"


def test_weights_round_trip_and_fall_back_to_built_in(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    assert load_weights(path) is BUILT_IN
    fitted = Weights(
        2e-6,
        {**BUILT_IN.fields, "city": FieldWeights((0.1, 0.1, 0.1, 0.7), (0.9, 0.05, 0.04, 0.01))},
        (("company", "domain"),),
        version=3,
        fitted_on=1200,
    )
    save_weights(path, fitted)
    assert load_weights(path) == fitted


def test_the_shipped_policy_loads() -> None:
    policy = load_matching(ROOT / "ingest_rules")
    assert policy.thresholds.review < policy.thresholds.auto_merge
    assert policy.survivorship.rule_for("email") == "keep_both"


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("version: 1\nthresholds:\n  auto_merge: 0.5\n  review: 0.9\n", "thresholds", 2),
        (
            "version: 1\nsurvivorship:\n  fields:\n    city: keep_both\n",
            "survivorship.fields.city",
            4,
        ),
        (
            "version: 1\nsurvivorship:\n  fields:\n    city: most_trusted_source\n",
            "survivorship.fields.city",
            4,
        ),
        ("version: 1\nmailbox:\n  plus_tag: all\n", "mailbox.plus_tag", 3),
    ],
)
def test_policy_errors_name_the_file_line_and_field(
    tmp_path: Path, text: str, field: str, line: int
) -> None:
    (tmp_path / "matching.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_matching(tmp_path)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert "matching.yaml" in str(caught.value)


def test_a_common_name_agreement_weighs_less_and_a_rare_one_keeps_its_weight() -> None:
    rows = [person("王强", "北京三体云动科技有限公司", city="北京")] * 2
    leads = [person("王强", "三体云动", city="北京")] * 2
    rare, common = score_pairs(rows, leads, BUILT_IN, [0.0001, 0.05])
    assert rare.name_share is None and "share_of_leads" not in rare.deciding["full_name"]
    assert common.name_share == 0.05 and common.deciding["full_name"]["share_of_leads"] == 0.05
    assert rare.bits["full_name"] - common.bits["full_name"] == pytest.approx(
        math.log2(0.05 / 0.001)
    )
    assert common.probability < rare.probability
    assert score_pairs(rows[:1], leads[:1], BUILT_IN)[0].probability == rare.probability


def test_the_share_of_a_name_is_smoothed_towards_the_average_in_a_small_base() -> None:
    u = BUILT_IN.fields["full_name"].u[-1]
    assert name_share(1, 5, BUILT_IN) == pytest.approx(u * 100 / 105)  # only the lead compared
    assert name_share(2, 5, BUILT_IN) > 0.009  # one namesake among five leads
    assert name_share(3001, 1_000_000, BUILT_IN) == pytest.approx(0.003, rel=0.01)


def test_a_record_missing_a_compared_field_scores_as_one_that_holds_it_empty() -> None:
    # Leads and clean rows hold every compared field; a caller's dict may not. Missing and
    # empty are the same to the scorer, whichever records of the batch lack the field.
    whole = person("Ana Lima", "Acme GmbH", phone_e164="+4930123456", domain="acme.de")
    partial = {"full_name": "Ana Lima", "company": "Acme"}
    empty = {name: None for name in ("phone_e164", "domain", "city", "country")} | partial
    assert score_pairs([partial, whole], [whole, whole], BUILT_IN) == score_pairs(
        [empty, whole], [whole, whole], BUILT_IN
    )

"""ConsentPolicy.rule_for: a lead's country finds its region, however the policy was made."""

from __future__ import annotations

import pickle

from leadflow.nurture.policy import ConsentPolicy, ConsentRegion

POLICY = ConsentPolicy.model_validate(
    {
        "default": {"marketing_email": "opt_out"},
        "regions": {
            "eu": {"countries": ["DE", "FR"], "marketing_email": "opt_in"},
            "cn": {"countries": ["CN"], "tracking": "opt_in"},
        },
    }
)


def test_each_country_finds_its_region_and_the_rest_the_default():
    assert POLICY.rule_for("de") == ("eu", POLICY.regions["eu"])
    assert POLICY.rule_for("CN") == ("cn", POLICY.regions["cn"])
    for other in ("US", "", None):
        assert POLICY.rule_for(other) == ("default", POLICY.default)


def test_a_copy_with_other_regions_uses_its_own():
    dach = POLICY.model_copy(
        update={
            "regions": {"dach": ConsentRegion(countries=["DE", "AT"], marketing_email="opt_in")}
        }
    )
    assert dach.rule_for("AT")[0] == "dach" and dach.rule_for("DE")[0] == "dach"
    assert dach.rule_for("FR")[0] == "default"
    assert POLICY.rule_for("DE")[0] == "eu"  # the original keeps its own


def test_a_policy_built_without_validation_or_pickled_still_finds_regions():
    built = ConsentPolicy.model_construct(
        default=POLICY.default, regions=POLICY.regions, campaigns={}
    )
    assert built.rule_for("FR")[0] == "eu"
    assert pickle.loads(pickle.dumps(POLICY)).rule_for("CN")[0] == "cn"

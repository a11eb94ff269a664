"""Close account names found through their grams: the answer of scoring every account."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

import leadflow.dedupe.engine.accounts as accounts_module
from leadflow.dedupe.engine.accounts import Account, AccountIndex
from leadflow.dedupe.engine.core_grams import SHARE, CoreGrams, grams
from leadflow.dedupe.engine.text import norm_company
from tests.support.typos import typed

COMMON = ["analytics", "software", "cloud", "systems", "data", "health", "capital", "media"]
LEGAL = ["Inc", "LLC", "Ltd", "GmbH", ""]
SYLLABLES = (
    "har ring ton ma son ber kel ly wood stone field bright haven cor vex lin da mer".split()
)


def firm_names(rng: random.Random, count: int) -> list[str]:
    """Founder-like brands over a few common words, as company names run."""
    names = set()
    while len(names) < count:
        brand = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
        word = rng.choice(COMMON) if rng.random() < 0.8 else ""
        names.add(f"{brand.capitalize()} {word.capitalize()} {rng.choice(LEGAL)}".strip())
    return sorted(names)


def test_grams_are_three_letter_pieces_of_each_padded_word_and_characters_for_chinese():
    assert grams("acme data") == {"$ac", "acm", "cme", "me$", "$da", "dat", "ata", "ta$"}
    assert grams("三体云动") == {"三", "体", "云", "动"}
    assert grams("a") == {"$a$"}


word = st.text(alphabet="abcde", min_size=1, max_size=6)
core = st.lists(word, min_size=1, max_size=3).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(core, min_size=1, max_size=25), core)
def test_every_core_sharing_the_bound_of_grams_with_a_name_is_among_its_candidates(cores, name):
    # The prefix-filtering lemma the index rests on, over a tiny alphabet (many shared grams).
    index = CoreGrams(cores[: len(cores) // 2])
    index.add(cores[len(cores) // 2 :])  # added later: their prefixes come from other counts
    found = set(index.candidates(name))
    mine = grams(name)
    for other in cores:
        theirs = grams(other)
        if len(mine & theirs) >= math.ceil(SHARE * min(len(mine), len(theirs))):
            assert other in found, (name, other)


@settings(max_examples=200, deadline=None)
@given(st.lists(core, min_size=1, max_size=25), core, st.integers(0, 26))
def test_the_candidates_since_a_number_are_the_tail_of_all_of_them(cores, name, since):
    index = CoreGrams(cores[: len(cores) // 2])
    index.add(cores[len(cores) // 2 :])
    every = index.numbers(name)
    assert index.numbers(name, since) == [n for n in every if n >= since]
    assert index.candidates(name) == [index.names[n] for n in every]


def test_close_names_through_grams_are_those_of_scoring_every_account():
    rng = random.Random(7)
    names = firm_names(rng, 3000)
    index = AccountIndex(Account(n, name, (), "US") for n, name in enumerate(names))
    found = 0
    for n in range(600):
        typed_name = typed(rng, rng.choice(names), 1 + n % 3)
        core = norm_company(typed_name)
        if not core:
            continue
        every = index.close_cores(core, every=True)
        assert index.close_cores(core) == every, typed_name
        found += bool(every)
    assert found > 300  # the typed names do meet accounts: the comparison is not of empties


def test_an_index_grown_batch_by_batch_answers_as_one_built_at_once():
    rng = random.Random(11)
    names = firm_names(rng, 800)
    accounts = [Account(n, name, (f"d{n}.example",), "US") for n, name in enumerate(names)]
    at_once = AccountIndex(accounts)
    grown = AccountIndex(accounts[:100])
    # Names of accounts still to come, looked up before they arrive: the answers kept for a
    # batch must not outlive the accounts added after it.
    probes = [typed(rng, name, 1) for name in names[700:]]
    for start in range(100, len(accounts), 100):
        for company in probes:
            grown.match(company=company)
        grown.add(accounts[start : start + 100])
    later = [typed(rng, rng.choice(names), rng.randint(0, 2)) for _ in range(300)]
    for company in probes + later:
        assert grown.match(company=company) == at_once.match(company=company), company
    assert sum(at_once.match(company=company) is not None for company in probes) > 50


def test_answers_kept_across_additions_are_those_of_an_index_built_afresh():
    # Many close names (one brand, a letter changed; words that many firms share): more than
    # ten cores pass the scorer's bar, so the kept ten and the new ones must be merged in the
    # scorer's order (score, then the order cores came in) for the answer to stay the same.
    rng = random.Random(5)
    brands = [
        "harrington"[:i] + letter + "harrington"[i + 1 :] for i in range(10) for letter in "xz"
    ]
    names = [
        f"{brand} {word} {rng.choice(LEGAL)}".strip() for brand in brands for word in COMMON[:3]
    ]
    names += firm_names(rng, 300)
    rng.shuffle(names)
    accounts = [Account(n, name, (), "US") for n, name in enumerate(names)]
    probes = [norm_company(typed(rng, rng.choice(names), rng.randint(0, 2))) for _ in range(60)]
    probes += ["harrington analytics", "harrington data", "barrington cloud systems"]
    grown = AccountIndex([])
    longest = 0
    for start in range(0, len(accounts), 40):
        grown.add(accounts[start : start + 40])
        afresh = AccountIndex(accounts[: start + 40])
        for core in probes:
            if core:
                answer = grown.close_cores(core)
                assert answer == afresh.close_cores(core), (start, core)
                longest = max(longest, len(grown._native[core][1]))
    assert longest == 10  # the ten kept were full: the merge, not only the addition, was tested


def test_the_answers_kept_are_bounded_and_right_after_they_are_forgotten(monkeypatch):
    monkeypatch.setattr(accounts_module, "KEPT_ANSWERS", 5)
    rng = random.Random(3)
    names = firm_names(rng, 400)
    index = AccountIndex(Account(n, name, (), "US") for n, name in enumerate(names))
    for _ in range(40):
        core = norm_company(typed(rng, rng.choice(names), 1))
        if core:
            assert index.close_cores(core) == index.close_cores(core, every=True)
            assert len(index._close) <= 5 and len(index._native) <= 5

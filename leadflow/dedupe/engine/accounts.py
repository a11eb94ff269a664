"""Lead-to-account matching: registrable domain first, then the company's core name.

1. The lead's registrable domain (from its website or its email address, never a free-mail
   domain) against the accounts' domains.
2. The company's core name (Latin legal forms dropped; Chinese names made simplified, region
   prefixes, bracketed regions, legal forms and generic words dropped: 北京三體雲動科技有限公司
   -> 三体云动) equal to an account's.
3. A close core name: token-set similarity for Latin names, character similarity or the same
   pinyin for Chinese ones, at or above ``min_score``.

When more than one account qualifies at a step, tie-breakers decide in this order and are
recorded on the result: the company name's similarity (for domain ties), the same country,
then the smallest account id (so the answer never depends on input order).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from leadflow.ingest.normalize import FREE_MAIL_DOMAINS
from leadflow.dedupe.engine.core_grams import CoreGrams
from leadflow.dedupe.engine.text import has_han, norm_company, norm_domain, pinyin


# Close-name answers kept at most, then all forgotten at once: a few hundred bytes each, for
# each database and thread that keeps an index (account_match.py), so tens of MB at most.
KEPT_ANSWERS = 50_000


@dataclass(frozen=True)
class Account:
    id: Hashable
    name: str
    domains: tuple[str, ...] = ()
    country: str | None = None


@dataclass(frozen=True)
class AccountMatch:
    account_id: Hashable
    method: str  # "domain" | "name" | "fuzzy_name"
    score: float  # 1.0 for domain and exact core name; the similarity for fuzzy names
    tie_breakers: tuple[str, ...] = ()  # what decided between equally good accounts
    candidates: tuple[tuple[Hashable, float], ...] = ()  # the accounts that qualified, best first


def _similarity(a: str, b: str) -> float:
    if has_han(a) or has_han(b):
        if pinyin(a) == pinyin(b):
            return max(0.9, fuzz.ratio(a, b) / 100.0)
        return fuzz.ratio(a, b) / 100.0
    return fuzz.token_set_ratio(a, b) / 100.0


class AccountIndex:
    """Accounts indexed by domain and core name; ``match`` one lead at a time."""

    def __init__(self, accounts: Iterable[Account], min_score: float = 0.88):
        self.accounts: dict[Hashable, Account] = {}
        self.min_score = min_score
        self.by_domain: dict[str, list[Hashable]] = {}
        self.by_core: dict[str, list[Hashable]] = {}
        self.cores: list[str] = []
        # Chinese cores by their pinyin: the same name in other characters (or in pinyin) meets it.
        self.by_pinyin: dict[str, list[str]] = {}
        self._grams: CoreGrams | None = None  # built at the first close-name lookup
        # Answers kept across lookups and batches, each with the count of cores it was found
        # among: a company's people come together, and most companies come again. A lookup
        # after more accounts arrived scores only the cores added since (``_native_best``).
        self._native: dict[str, tuple[int, list[tuple[int, float]]]] = {}
        self._close: dict[str, tuple[int, list[tuple[str, float]]]] = {}
        self.add(accounts)

    def add(self, accounts: Iterable[Account]) -> None:
        """Index more accounts (new ones: an id already here is not replaced). A batch adds the
        accounts that routing gave owners since the last one, without indexing all again."""
        for account in accounts:
            if account.id in self.accounts:
                continue
            self.accounts[account.id] = account
            for raw in account.domains:
                domain = norm_domain(raw)
                if domain:
                    self.by_domain.setdefault(domain, []).append(account.id)
            core = norm_company(account.name)
            if not core:
                continue
            if core not in self.by_core:
                self.cores.append(core)
                if has_han(core):
                    self.by_pinyin.setdefault(pinyin(core), []).append(core)
                if self._grams is not None:
                    self._grams.add([core])
            self.by_core.setdefault(core, []).append(account.id)

    def close_cores(self, core: str, every: bool = False) -> list[tuple[str, float]]:
        """Cores at or above min_score, best first (at most 10). Only the cores sharing enough
        grams with this one are scored (core_grams.py says why none close is missed; scoring
        all of them cost one comparison per account per lead); ``every`` scores all of them, to
        check that. rapidfuzz's own scorer picks the candidates in C; each is then scored with
        the similarity the docstring defines, so the figures do not change."""
        if every:
            found = {name for name, _, _ in self._extract(core, self.cores)}
            return self._ranked(core, found)
        names = self._gram_index().names
        count = len(names)
        kept = self._close.get(core)
        if kept is not None and kept[0] == count:
            return kept[1]
        found = {names[number] for number, _ in self._native_best(core, count)}
        close = self._ranked(core, found)
        if len(self._close) >= KEPT_ANSWERS:
            self._close.clear()
            self._native.clear()
        self._close[core] = (count, close)
        return close

    def _native_best(self, core: str, count: int) -> list[tuple[int, float]]:
        """The ten cores rapidfuzz's scorer ranks highest (at or above min_score), as (number,
        score), best first and ties by number, as ``process.extract`` ranks them over the
        candidates in number order. Kept from an earlier lookup over the first ``since`` cores,
        only those added since are scored: the ten best of all are among the ten best of the
        old ones and the new ones. (The old lookup's candidates stand for today's among the old
        cores: the prefix grams chosen may differ as gram counts grow, but both hold every core
        within the bound of core_grams.py.) Numbers are the gram index's (``CoreGrams.names``)."""
        grams = self._gram_index()
        since, best = self._native.get(core, (0, []))
        if since < count:
            numbers = grams.numbers(core, since)
            pool = [grams.names[number] for number in numbers]
            fresh = [(numbers[i], score) for _, score, i in self._extract(core, pool)]
            best = sorted(best + fresh, key=lambda c: (-c[1], c[0]))[:10]
            self._native[core] = (count, best)
        return best

    def _gram_index(self) -> CoreGrams:
        if self._grams is None:  # built at the first close-name lookup, then grown by add()
            self._grams = CoreGrams(self.cores)
        return self._grams

    def _extract(self, core: str, pool: list[str]) -> list[tuple[str, float, int]]:
        native = fuzz.ratio if has_han(core) else fuzz.token_set_ratio
        return process.extract(
            core, pool, scorer=native, score_cutoff=self.min_score * 100, limit=10
        )

    def _ranked(self, core: str, found: set[str]) -> list[tuple[str, float]]:
        """The found cores (and the same pinyin's) by the docstring's similarity, best first."""
        found = found | set(self.by_pinyin.get(pinyin(core), ()))
        scored = [(name, _similarity(core, name)) for name in found]
        close = sorted((c for c in scored if c[1] >= self.min_score), key=lambda c: (-c[1], c[0]))
        return close[:10]

    def match(
        self,
        *,
        email: str | None = None,
        website: str | None = None,
        company: str | None = None,
        country: str | None = None,
    ) -> AccountMatch | None:
        domain = norm_domain(website) or norm_domain(email)
        core = norm_company(company)
        if domain and domain not in FREE_MAIL_DOMAINS and domain in self.by_domain:
            ids = self.by_domain[domain]
            scored = [
                (i, _similarity(core, norm_company(self.accounts[i].name) or "") if core else 0.0)
                for i in ids
            ]
            return self._decide(scored, "domain", country, name_tie=True, fixed_score=1.0)
        if not core:
            return None
        if core in self.by_core:
            return self._decide([(i, 1.0) for i in self.by_core[core]], "name", country)
        scored = [(i, score) for name, score in self.close_cores(core) for i in self.by_core[name]]
        return self._decide(scored, "fuzzy_name", country) if scored else None

    def _decide(
        self,
        scored: list[tuple[Hashable, float]],
        method: str,
        country: str | None,
        name_tie: bool = False,
        fixed_score: float | None = None,
    ) -> AccountMatch:
        def key(item: tuple[Hashable, float]) -> tuple[float, int, tuple[int, int, str]]:
            account = self.accounts[item[0]]
            same_country = int(bool(country) and account.country == country)
            ident = item[0]
            order = (0, ident, "") if isinstance(ident, int) else (1, 0, str(ident))
            return (-item[1], -same_country, order)

        ranked = sorted(scored, key=key)
        breakers: list[str] = []
        if len(ranked) > 1:
            best, second = key(ranked[0]), key(ranked[1])
            if best[0] != second[0]:
                breakers.append("company name similarity" if name_tie else "higher similarity")
            elif best[1] != second[1]:
                breakers.append("same country")
            else:
                breakers.append("smallest account id")
        winner, score = ranked[0]
        return AccountMatch(
            winner,
            method,
            fixed_score if fixed_score is not None else score,
            tuple(breakers),
            tuple(ranked),
        )

"""What a column is, for matching: its comparison kind, and the knobs a config may set."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column is normalized, blocked on and compared."""

    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"  # a person's given name, surname or full name
    COMPANY = "company"
    DOMAIN = "domain"
    DATE = "date"
    POSTCODE = "postcode"
    ADDRESS = "address"  # street, suburb, city
    TEXT = "text"  # free text
    CATEGORY = "category"  # exact-or-not (state, country, gender)
    IDENTIFIER = "identifier"  # an id typed by hand (social security, customer number)


KIND_ALIASES = {
    "person_name": Kind.NAME,
    "city": Kind.ADDRESS,
    "free_text": Kind.TEXT,
    "exact": Kind.CATEGORY,
    "id": Kind.IDENTIFIER,
    "zip": Kind.POSTCODE,
    "website": Kind.DOMAIN,
}


def parse_kind(value: str | Kind) -> Kind:
    if isinstance(value, Kind):
        return value
    text = value.strip().lower().replace(" ", "_").replace("-", "_")
    return KIND_ALIASES.get(text) or Kind(text)


@dataclass(frozen=True)
class FieldSpec:
    """One compared column. ``name`` is the key in each record."""

    name: str
    kind: Kind
    tf: bool = True  # term-frequency adjustment of the exact level (rare values weigh more)


@dataclass(frozen=True)
class EmailPolicy:
    """When two addresses count as the same mailbox.

    gmail_dots: in gmail.com / googlemail.com, dots in the local part are ignored and
    googlemail.com is gmail.com. plus_tags: "known" drops "+tag" at providers known to deliver
    plus-addressed mail, "all" drops it everywhere, "none" keeps it.
    """

    gmail_dots: bool = True
    plus_tags: str = "known"


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities: merge at or above ``merge``, review at or above ``review``."""

    merge: float = 0.9
    review: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.merge < 1.0:
            raise ValueError("thresholds need 0 < review <= merge < 1")


@dataclass(frozen=True)
class BlockingOptions:
    """Candidate generation limits.

    All rules together make at most ``max_pairs_per_record`` pairs per record (counted per rule,
    before pairs made by two rules are merged). Blocks are compared all-to-all from the smallest
    up to the size where that budget runs out (at most ``max_block``); the rest of the budget
    pairs each record of a bigger block with its ``window`` sorted neighbours, most selective
    rules first. A rule left with no pairs is dropped (and reported). Small files get at least
    ``min_pairs`` (cheap at any size), so they keep the rules' bigger blocks: rules overlap, so
    the distinct pairs are far fewer (1M per rule made 232k distinct pairs on a 50k-record file,
    and raised its pairwise recall from 0.77 to 0.81).
    """

    max_block: int = 100
    window: int = 8
    max_pairs_per_record: float = 16.0
    min_pairs: int = 1_000_000
    rules: tuple[tuple[str, ...], ...] | None = (
        None  # explicit rules: keys like "surname", "surname:phonetic"
    )


class ClusterMethod(StrEnum):
    """How scored pairs become clusters (see split.py and cluster.py)."""

    SPLIT = "split"  # components, split by average linkage over all their pairs' weights
    STAR = "star"  # a centre and the records matching it (no chaining, loses big clusters)
    COMPONENTS = "components"  # plain connected components at the merge threshold (chains)


@dataclass(frozen=True)
class Clustering:
    """``link``: components are formed over pairs at or above this probability (None: the
    merge threshold); ``split_at``: inside a component a pair weighs for joining when its match
    probability is above this (1 in 1,000: a component's pairs are far likelier matches than
    random pairs, whose prior the probability carries); ``max_dense``: bigger components are
    clustered as stars."""

    method: ClusterMethod = ClusterMethod.SPLIT
    link: float | None = None
    split_at: float = 0.001
    max_dense: int = 200

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", ClusterMethod(self.method))
        if self.link is not None and not 0.0 < self.link < 1.0:
            raise ValueError("clustering.link needs 0 < link < 1")
        if not 0.0 < self.split_at < 1.0:
            raise ValueError("clustering.split_at needs 0 < split_at < 1")


@dataclass(frozen=True)
class MatchConfig:
    """Everything a run needs besides the records."""

    fields: tuple[FieldSpec, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)
    email_policy: EmailPolicy = field(default_factory=EmailPolicy)
    blocking: BlockingOptions = field(default_factory=BlockingOptions)
    seed: int = 20240601
    u_samples: int = 200_000
    clustering: Clustering = field(default_factory=lambda: Clustering())

    @staticmethod
    def of(columns: dict[str, str | Kind], **options: object) -> MatchConfig:
        """Shorthand: ``MatchConfig.of({"email": "email", "surname": "name"})``."""
        specs = tuple(FieldSpec(name, parse_kind(kind)) for name, kind in columns.items())
        return MatchConfig(fields=specs, **options)  # type: ignore[arg-type]

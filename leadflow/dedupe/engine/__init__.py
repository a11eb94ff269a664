"""Record matching: dedup within a file, linkage across files, leads to accounts.

Pure and database-free. Fellegi-Sunter with weights learned per dataset without labels (u
from random pairs, m by EM, term-frequency adjustment), blocking on several keys, clusters
that cannot chain through weak links, and Chinese company-name normalization.
"""

from leadflow.dedupe.engine.accounts import Account, AccountIndex, AccountMatch
from leadflow.dedupe.engine.api import (
    MatchDecision,
    Matcher,
    MatchReport,
    MatchResult,
    ScoredPairs,
    match_against,
)
from leadflow.dedupe.engine.files import dedupe_file, infer_config, load_config, write_config
from leadflow.dedupe.kinds import (
    BlockingOptions,
    EmailPolicy,
    FieldSpec,
    Kind,
    MatchConfig,
    Thresholds,
)

__all__ = [
    "Account",
    "AccountIndex",
    "AccountMatch",
    "BlockingOptions",
    "EmailPolicy",
    "FieldSpec",
    "Kind",
    "MatchConfig",
    "MatchDecision",
    "MatchReport",
    "MatchResult",
    "Matcher",
    "ScoredPairs",
    "Thresholds",
    "dedupe_file",
    "infer_config",
    "load_config",
    "match_against",
    "write_config",
]

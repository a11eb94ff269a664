"""The run's enrichment tally reads as plain words in the log, whether a status came as an enum
member or as a string read back from the database."""

from __future__ import annotations

from leadflow.core.statuses import EnrichmentStatus
from leadflow.enrich.chain import LeadOut
from leadflow.enrich.report import status_counts


def test_enum_members_and_strings_count_together_under_their_words() -> None:
    outs = [
        LeadOut(1, "a.com", EnrichmentStatus.ENRICHED, True),
        LeadOut(2, "b.com", "enriched", True),
        LeadOut(3, "gmail.com", EnrichmentStatus.SKIPPED_FREE_MAIL, None),
    ]
    counts = status_counts(outs)
    assert counts == {"enriched": 2, "skipped_free_mail": 1}
    assert repr(counts) == "{'enriched': 2, 'skipped_free_mail': 1}"

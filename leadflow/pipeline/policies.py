"""All policy files at once, so nothing runs on half a config."""

from __future__ import annotations

from leadflow.scoring.engagement_policy import load_engagement
from leadflow.enrich.policy import load_enrichment
from leadflow.ingest.policy import load_ingest
from leadflow.dedupe.policy import load_matching
from leadflow.nurture.policy import load_nurture
from leadflow.scoring.qualification_policy import load_qualification
from leadflow.routing.policy import load_routing
from leadflow.scoring.policy import load_scoring
from leadflow.core.settings import get_settings
from leadflow.nurture.templates_check import check_templates


def load_all() -> dict[str, str]:
    """Validate ingest, scoring, routing and sequences (and their templates); name -> version."""
    settings = get_settings()
    ingest = load_ingest(settings.ingest_dir)
    matching = load_matching(settings.ingest_dir)
    scoring = load_scoring(settings.scoring_dir)
    engagement = load_engagement(settings.scoring_dir)
    qualification = load_qualification(settings.scoring_dir)
    routing = load_routing(settings.routing_dir)
    nurture = load_nurture(settings.templates_dir)
    enrichment = load_enrichment(settings.enrichment_path)
    check_templates(settings.templates_dir, nurture)
    return {
        "ingest": ingest.config_version,
        "scoring": scoring.config_version,
        "engagement": engagement.config_version,
        "qualification": qualification.config_version,
        "routing": routing.config_version,
        "nurture": nurture.config_version,
        "enrichment": enrichment.config_version,
        "matching": matching.config_version,
    }

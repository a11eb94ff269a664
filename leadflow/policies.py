"""All policy files at once, so nothing runs on half a config."""

from __future__ import annotations

from leadflow.config.engagement import load_engagement
from leadflow.config.enrichment import load_enrichment
from leadflow.config.ingest import load_ingest
from leadflow.config.matching import load_matching
from leadflow.config.nurture import load_nurture
from leadflow.config.qualification import load_qualification
from leadflow.config.routing import load_routing
from leadflow.config.scoring import load_scoring
from leadflow.settings import get_settings
from leadflow.templates_check import check_templates


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
    return {"ingest": ingest.config_version, "scoring": scoring.config_version,
            "engagement": engagement.config_version, "qualification": qualification.config_version, "routing": routing.config_version,
            "nurture": nurture.config_version, "enrichment": enrichment.config_version,
            "matching": matching.config_version}

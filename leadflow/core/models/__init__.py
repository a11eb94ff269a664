"""The data model (SQLAlchemy 2, typed), one module per feature area; see DESIGN.md for what each
table is for. Every table is importable from here, and importing this package registers them all
on Base.metadata (what Alembic compares against)."""

from leadflow.core.models.base import UTCDateTime, Base
from leadflow.core.models.leads import (
    Campaign,
    SourceRecord,
    row_status_is,
    Account,
    Lead,
    QualificationAnswer,
    CampaignMember,
)
from leadflow.core.models.dedupe import LeadAlias, LeadNameCount, MergeCandidate, MergeEvent
from leadflow.core.models.audit import Decision
from leadflow.core.models.routing import (
    Person,
    QueueItem,
    Rep,
    RoutingLedger,
    Assignment,
    AssignmentWebhook,
)
from leadflow.core.models.nurture import (
    Enrollment,
    OutboundEmail,
    Suppression,
    ConsentRecord,
    VariantPromotion,
    Subscription,
)
from leadflow.core.models.engagement import TrackedLink, EngagementEvent, WebhookNonce
from leadflow.core.models.enrichment import EnrichmentCache
from leadflow.core.models.reports import CrmOutcome

__all__ = [
    "Account",
    "Assignment",
    "AssignmentWebhook",
    "Base",
    "Campaign",
    "CampaignMember",
    "ConsentRecord",
    "CrmOutcome",
    "Decision",
    "EngagementEvent",
    "EnrichmentCache",
    "Enrollment",
    "Lead",
    "LeadAlias",
    "LeadNameCount",
    "MergeCandidate",
    "MergeEvent",
    "OutboundEmail",
    "Person",
    "QualificationAnswer",
    "QueueItem",
    "Rep",
    "RoutingLedger",
    "SourceRecord",
    "row_status_is",
    "Subscription",
    "Suppression",
    "TrackedLink",
    "UTCDateTime",
    "VariantPromotion",
    "WebhookNonce",
]

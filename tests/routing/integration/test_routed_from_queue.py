"""A lead waiting in a queue that routing then gives to a rep leaves the queue in the same
batch write; the batch's other leads, never queued, leave no queue item behind."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Lead, QueueItem
from leadflow.routing.policy import routing_policy
from leadflow.routing.queues import enqueue
from tasks.routing import route_leads
from tests.factories import stored_hot_lead

pytestmark = pytest.mark.db
AT = datetime(2026, 11, 10, 15, 0, tzinfo=timezone.utc)  # a Tuesday afternoon


def test_a_queued_lead_routed_to_a_rep_leaves_its_queue(leadflow_env):
    with session_scope() as session:
        ids = [stored_hot_lead(session, f"buyer{n}@firm{n}.example", AT) for n in range(3)]
        queued = session.get_one(Lead, ids[1])
        enqueue(session, queued, "unassigned", routing_policy(), AT, "no rep was free")
    outcome = route_leads.fn(ids, AT)
    assert sum(outcome.per_rep.values()) == 3
    with session_scope() as session:
        owners = dict(session.execute(select(Lead.id, Lead.owner_rep)).tuples().all())
        statuses = set(session.scalars(select(Lead.status)))
        items = session.execute(
            select(QueueItem.lead_id, QueueItem.status, QueueItem.close_reason, QueueItem.closed_at)
        ).all()
    assert statuses == {"routed"} and all(owners[i] for i in ids)
    assert [(i.lead_id, i.status) for i in items] == [(ids[1], "routed")]
    assert items[0].close_reason == f"routed to {owners[ids[1]]}"
    assert items[0].closed_at is not None

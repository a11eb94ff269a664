"""Each status column's model default is a member of the StrEnum that column stores.

The mapping below is the source of truth for which enum a column holds; a default that drifts
to a plain string outside its enum (or to another enum's member) fails here before it reaches
a database.
"""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import Column

from leadflow.core import models
from leadflow.core.statuses import (
    AssignmentStatus,
    CandidateStatus,
    DeliveryStatus,
    EnrollmentStatus,
    LeadStatus,
    LifecycleStage,
    OutboxStatus,
    PipelineStage,
    QueueItemStatus,
    RowStatus,
)

# (model, column) -> the enum its values come from; only columns with a Python default.
DEFAULTED: dict[tuple[type[models.Base], str], type[StrEnum]] = {
    (models.SourceRecord, "status"): RowStatus,
    (models.Lead, "status"): LeadStatus,
    (models.Lead, "lifecycle_stage"): LifecycleStage,
    (models.Lead, "pipeline_stage"): PipelineStage,
    (models.MergeCandidate, "status"): CandidateStatus,
    (models.QueueItem, "status"): QueueItemStatus,
    (models.Assignment, "status"): AssignmentStatus,
    (models.AssignmentWebhook, "status"): DeliveryStatus,
    (models.Enrollment, "status"): EnrollmentStatus,
    (models.OutboundEmail, "status"): OutboxStatus,
}


def _column(model: type[models.Base], name: str) -> Column[object]:
    return model.__table__.c[name]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("model", "name"), list(DEFAULTED), ids=lambda v: getattr(v, "__name__", str(v))
)
def test_default_is_a_member_of_its_enum(model: type[models.Base], name: str) -> None:
    enum = DEFAULTED[(model, name)]
    column = _column(model, name)
    assert column.default is not None, f"{model.__name__}.{name} lost its default"
    value = column.default.arg  # type: ignore[attr-defined]
    assert isinstance(value, enum), f"{model.__name__}.{name} default {value!r} is not a {enum}"


@pytest.mark.parametrize(("model", "name"), list(DEFAULTED))
def test_server_default_when_set_is_a_value_of_its_enum(
    model: type[models.Base], name: str
) -> None:
    server = _column(model, name).server_default
    if server is not None:
        assert str(server.arg) in set(DEFAULTED[(model, name)])  # type: ignore[attr-defined]


def test_every_status_column_with_a_default_is_mapped() -> None:
    """A new status/stage column with a default must be added to DEFAULTED, so it is checked."""
    unmapped = [
        f"{table.name}.{column.name}"
        for model in (m for m in vars(models).values() if isinstance(m, type))
        if issubclass(model, models.Base) and hasattr(model, "__table__")
        for table in [model.__table__]
        for column in table.c
        if column.name.endswith(("status", "_stage"))
        and column.default is not None
        and (model, column.name) not in DEFAULTED
    ]
    assert unmapped == []

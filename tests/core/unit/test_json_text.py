"""The JSON text of bulk writes: the values json.dumps wrote, read back the same."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from leadflow.core.json_text import json_text
from leadflow.core.statuses import LeadStatus


def test_values_read_back_as_json_dumps_wrote_them():
    value = {
        "hits": [{"rule_id": "title:vp", "points": 15, "weight": 0.25}],
        "name": "三體雲動 Ünïcode",
        "status": LeadStatus.NEW,  # a str enum: its value, as json.dumps writes it
        "nested": [[1, 2.5, None, True], {"empty": {}}],
        7: "a key that is not a string becomes one",
    }
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))
    assert json.loads(json_text(value))["status"] == "new"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 7, 2, 39, 52, tzinfo=UTC),
        datetime(2026, 12, 7, 2, 39, 52, 123456, tzinfo=UTC),
        datetime(2026, 12, 7, 2, 39, 52, 5, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 12, 7, 2, 39, 52),
        date(2026, 12, 7),
    ],
)
def test_moments_are_written_as_isoformat_writes_them(moment):
    # The batch reader casts the text to a timestamp: the same text as before, offset and all.
    assert json_text([moment]) == f'["{moment.isoformat()}"]'


def test_an_unknown_type_goes_through_default_or_is_refused():
    class Odd:
        pass

    assert json_text([Odd()], default=lambda value: "odd") == '["odd"]'
    with pytest.raises(TypeError):
        json_text([Odd()])
    assert json_text([2**70]) == f"[{2**70}]"  # beyond 64 bits: written whole, never cut


def test_an_integer_beyond_64_bits_is_written_by_json_dumps():
    moment = datetime(2026, 12, 7, 2, 39, 52, tzinfo=UTC)
    value = {"id": 10**30, "at": moment, "name": "名", 3: [-(10**25), 1.5, None]}
    assert json.loads(json_text(value)) == {
        "id": 10**30,
        "at": moment.isoformat(),
        "name": "名",
        "3": [-(10**25), 1.5, None],
    }
    assert "名" in json_text(value)  # as UTF-8, as orjson writes it
    assert json.loads(json_text({"n": 10**30, "c": complex(1, 2)}, default=str)) == {
        "n": 10**30,
        "c": "(1+2j)",
    }
    with pytest.raises(TypeError):
        json_text({"n": 10**30, "c": complex(1, 2)})

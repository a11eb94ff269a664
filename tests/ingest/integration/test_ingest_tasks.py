"""Staging, cleaning and dedup on the sample files, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.core.models import CampaignMember, Decision, Lead, SourceRecord
from tasks.ingest import clean_batch, register_campaign
from tasks.staging import stage_file

pytestmark = pytest.mark.db
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
ORACLE = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
EXPECTED = {**ORACLE, **ORACLE["files"]}
WEBINAR, TRADESHOW = "webinar_analytics_2026-11.csv", "tradeshow_shanghai_2026-11.csv"


def ingest_rows(file: str, campaign: str, batch_size: int = 100):  # type: ignore[no-untyped-def]
    campaign_id = register_campaign.fn(campaign, "webinar", "analytics", None, None)
    staged = stage_file.fn(str(EXAMPLES / file), campaign_id, batch_size)
    outcomes = [clean_batch.fn(campaign_id, first, last) for first, last in staged.batches]
    return staged, outcomes


def test_every_row_is_kept_and_bad_rows_are_quarantined_with_their_line(leadflow_env):
    staged, outcomes = ingest_rows(WEBINAR, "webinar")
    expected = EXPECTED[WEBINAR]
    assert staged.rows == expected["rows"]
    assert len(staged.batches) == -(-expected["rows"] // 100)  # several batches, none lost
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == expected["rows"]
        quarantined = session.scalars(
            select(SourceRecord).where(SourceRecord.status == "quarantined")
        ).all()
        assert (
            session.scalar(
                select(func.count())
                .select_from(SourceRecord)
                .where(SourceRecord.status == "staged")
            )
            == 0
        )
    assert sorted(r.line_no for r in quarantined) == sorted(b["line"] for b in expected["bad_rows"])
    for rec in quarantined:
        assert re.match(rf"line {rec.line_no}: \S", rec.reason)
    kinds = sum(
        (o.quarantine_reasons for o in outcomes), start=type(outcomes[0].quarantine_reasons)()
    )
    for kind in ("missing_email", "invalid_email", "wrong_field_count"):
        assert kinds[kind] == sum(b["kind"] == kind for b in expected["bad_rows"])


def test_duplicates_merge_within_the_file_and_against_leads_we_hold(leadflow_env):
    _, first = ingest_rows(WEBINAR, "webinar")
    _, second = ingest_rows(TRADESHOW, "tradeshow")
    web, show = EXPECTED[WEBINAR], EXPECTED[TRADESHOW]
    assert sum(o.created for o in first) == web["unique_valid_emails"]
    assert sum(o.merged for o in first) == web["exact_duplicate_rows"] + web["near_duplicate_rows"]
    cross = len(EXPECTED["cross_file_duplicate_emails"])
    assert sum(o.created for o in second) == show["unique_valid_emails"] - cross
    assert (
        sum(o.merged for o in second)
        == show["exact_duplicate_rows"] + show["near_duplicate_rows"] + cross
    )
    with session_scope() as session:
        assert (
            session.scalar(select(func.count()).select_from(Lead))
            == EXPECTED["unique_valid_emails_total"]
        )
        # A lead from both campaigns is a member of both: attribution keeps every touch.
        shared = session.scalar(
            select(Lead).where(Lead.email == EXPECTED["cross_file_duplicate_emails"][0])
        )
        campaigns = session.scalars(
            select(CampaignMember.campaign_id).where(CampaignMember.lead_id == shared.id)
        ).all()
        assert len(campaigns) == 2
        merges = session.scalar(
            select(func.count()).select_from(Decision).where(Decision.kind == "merge")
        )
        assert merges == sum(o.merged for o in first + second)


def test_chinese_rows_keep_whole_names_and_get_province_codes(leadflow_env):
    ingest_rows(TRADESHOW, "tradeshow")
    with session_scope() as session:
        chinese = session.scalars(select(Lead).where(Lead.country == "CN")).all()
    assert chinese, "the trade-show file is mostly Chinese leads"
    with_han_names = [
        lead for lead in chinese if lead.full_name and re.search(r"[\u4e00-\u9fff]", lead.full_name)
    ]
    assert with_han_names and all(lead.first_name is None for lead in with_han_names)
    assert {lead.state for lead in chinese} - {None} <= {
        "BJ",
        "TJ",
        "HE",
        "SX",
        "NM",
        "LN",
        "JL",
        "HL",
        "SH",
        "JS",
        "ZJ",
        "AH",
        "FJ",
        "JX",
        "SD",
        "HA",
        "HB",
        "HN",
        "GD",
        "GX",
        "HI",
        "CQ",
        "SC",
        "GZ",
        "YN",
        "XZ",
        "SN",
        "GS",
        "QH",
        "NX",
        "XJ",
    }


def test_staging_the_same_file_twice_stages_nothing_new(leadflow_env):
    staged_once, _ = ingest_rows(WEBINAR, "webinar")
    staged_twice, outcomes = ingest_rows(WEBINAR, "webinar")
    assert staged_once.new_rows == staged_once.rows
    assert staged_twice.new_rows == 0 and staged_twice.batches == [] and outcomes == []
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == staged_once.rows


@pytest.mark.parametrize("batch_size", [100, 1])  # 1: the second registration merges
def test_a_corrected_re_upload_adds_no_touch_but_a_double_registration_counts_twice(
    leadflow_env, tmp_path: Path, batch_size: int
):
    header = "Email,First Name,Company\n"
    first = tmp_path / "list_v1.csv"
    first.write_text(
        header + "ana@acme.example,Ana,Acme\nbo@beta.example,Bo,Beta\nbo@beta.example,Bo,Beta\n",
        encoding="utf-8",
    )
    corrected = tmp_path / "list_v2.csv"  # the same people, one company fixed, one more person
    corrected.write_text(
        header + "ana@acme.example,Ana,Acme Corp\nbo@beta.example,Bo,Beta\n"
        "bo@beta.example,Bo,Beta\ncy@gamma.example,Cy,Gamma\n",
        encoding="utf-8",
    )
    campaign_id = register_campaign.fn("expo", "tradeshow", None, None, None)
    touches = []
    for path in (first, corrected):
        staged = stage_file.fn(str(path), campaign_id, batch_size)
        for start, end in staged.batches:
            clean_batch.fn(campaign_id, start, end)
        with session_scope() as session:
            touches.append(
                dict(
                    session.execute(
                        select(Lead.email, CampaignMember.touches).join(
                            CampaignMember, CampaignMember.lead_id == Lead.id
                        )
                    )
                    .tuples()
                    .all()
                )
            )
    # Bo's second row joined the lead the first created: both count, in one file.
    assert touches[0] == {"ana@acme.example": 1, "bo@beta.example": 2}
    assert touches[1] == {"ana@acme.example": 1, "bo@beta.example": 2, "cy@gamma.example": 1}


def test_a_missing_file_is_a_permanent_error(leadflow_env):
    from leadflow.core.errors import PermanentError, SourceNotFound

    campaign_id = register_campaign.fn("x", "webinar", None, None, None)
    with pytest.raises(SourceNotFound) as info:
        stage_file.fn("no/such/file.csv", campaign_id, 100)
    assert isinstance(info.value, PermanentError)


def test_rows_cleaned_by_another_run_while_this_one_normalised_are_not_cleaned_again(
    leadflow_env, monkeypatch: pytest.MonkeyPatch
):
    """Normalising happens before the pipeline lock: a second run of the same batch that
    finishes in between leaves this run nothing to create, merge or count again."""
    import leadflow.dedupe.clean_and_dedupe as cleaning

    campaign_id = register_campaign.fn("webinar", "webinar", "analytics", None, None)
    staged = stage_file.fn(str(EXAMPLES / WEBINAR), campaign_id, 1000)
    (first, last), read_and_clean = staged.batches[0], cleaning._read_and_clean
    other_run = []

    def read_then_lose_the_race(*args):  # type: ignore[no-untyped-def]
        got = read_and_clean(*args)
        if not other_run:  # the other run cleans the batch while this one normalised
            monkeypatch.setattr(cleaning, "_read_and_clean", read_and_clean)
            other_run.append(clean_batch.fn(campaign_id, first, last))
        return got

    monkeypatch.setattr(cleaning, "_read_and_clean", read_then_lose_the_race)
    late = clean_batch.fn(campaign_id, first, last)
    assert other_run[0].created > 0
    assert (late.created, late.merged, sum(late.quarantine_reasons.values())) == (0, 0, 0)
    with session_scope() as session:
        emails = session.scalars(select(Lead.email)).all()
        created = session.scalar(
            select(func.count()).select_from(Decision).where(Decision.kind == "create")
        )
        staged_left = session.scalar(
            select(func.count()).select_from(SourceRecord).where(SourceRecord.status == "staged")
        )
    assert len(emails) == len(set(emails)) == other_run[0].created == created
    assert staged_left == 0


def test_a_row_fixed_while_this_run_normalised_is_cleaned_from_its_fix(
    leadflow_env, monkeypatch: pytest.MonkeyPatch
):
    """Another run quarantines a row and a person fixes it, all while this run normalised the
    payload it read before: this run cleans the fix, not what it read."""
    import leadflow.dedupe.clean_and_dedupe as cleaning
    from leadflow.ingest.quarantine import fix_fields

    campaign_id = register_campaign.fn("webinar", "webinar", "analytics", None, None)
    staged = stage_file.fn(str(EXAMPLES / WEBINAR), campaign_id, 1000)
    (first, last), read_and_clean = staged.batches[0], cleaning._read_and_clean
    fixed: list[int] = []

    def read_then_meet_a_fix(*args):  # type: ignore[no-untyped-def]
        got = read_and_clean(*args)
        if not fixed:
            monkeypatch.setattr(cleaning, "_read_and_clean", read_and_clean)
            clean_batch.fn(campaign_id, first, last)  # quarantines the row with no address
            with session_scope() as session:
                bad = session.scalar(
                    select(SourceRecord.id).where(SourceRecord.reason_code == "missing_email")
                )
            fixed.append(fix_fields(bad, {"email": "fixed.later@acme.example"}))
        return got

    monkeypatch.setattr(cleaning, "_read_and_clean", read_then_meet_a_fix)
    late = clean_batch.fn(campaign_id, first, last)
    assert (late.created, late.merged, sum(late.quarantine_reasons.values())) == (1, 0, 0)
    with session_scope() as session:
        row = session.get(SourceRecord, fixed[0])
        assert row is not None and row.status == "created"
        assert session.scalar(select(Lead.email).where(Lead.id == row.lead_id)) == (
            "fixed.later@acme.example"
        )


HEADER = "First Name,Last Name,Email Address,Company Name,Job Title,Country/Region,Phone\n"


def test_a_person_erased_while_this_run_normalised_leaves_nothing_of_theirs(
    leadflow_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Erasure redacts the staged rows that hold the person's identifiers (here her number),
    and takes no pipeline lock: a row normalised before the redaction is cleaned again from
    the redacted payload, never stored from what was read before."""
    import leadflow.dedupe.clean_and_dedupe as cleaning
    from leadflow.privacy.service import erase

    first = tmp_path / "first.csv"
    first.write_text(HEADER + "Jane,Doerinck,jane@acme.example,Acme,CTO,Germany,+49 30 1234567\n")
    ingest_file(first, "first")
    later = tmp_path / "later.csv"  # her private address, with her number
    later.write_text(HEADER + "Jane,Doerinck,jd@mailbox.example,Other,CTO,Germany,+49 30 1234567\n")
    campaign_id = register_campaign.fn("later", "webinar", "analytics", None, None)
    (batch,) = stage_file.fn(str(later), campaign_id, 100).batches
    read_and_clean = cleaning._read_and_clean

    def read_then_meet_an_erasure(*args):  # type: ignore[no-untyped-def]
        got = read_and_clean(*args)
        erase("jane@acme.example")
        return got

    monkeypatch.setattr(cleaning, "_read_and_clean", read_then_meet_an_erasure)
    clean_batch.fn(campaign_id, *batch)
    with session_scope() as session:
        stored = session.execute(select(Lead.email, Lead.phone_e164)).all()
    assert ("jd@mailbox.example", None) in [(row.email, row.phone_e164) for row in stored]
    assert all("1234567" not in str(row.phone_e164) for row in stored), stored


def ingest_file(path: Path, campaign: str) -> None:
    campaign_id = register_campaign.fn(campaign, "webinar", "analytics", None, None)
    for first, last in stage_file.fn(str(path), campaign_id, 100).batches:
        clean_batch.fn(campaign_id, first, last)


def test_a_batch_read_ahead_then_erased_is_cleaned_from_what_is_stored(
    leadflow_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The cleaner reads the next batch ahead while the last one moves on (read_ahead.py).
    A person erased after that read and before her batch is cleaned: the batch takes the
    read made ahead, and her row, changed since, is cleaned again from what is stored. On
    SQLite nothing is read ahead: the batch is read when it is cleaned."""
    import threading

    import leadflow.dedupe.clean_and_dedupe as cleaning
    from leadflow.core.db import get_engine
    from leadflow.privacy.service import erase

    ahead = get_engine().dialect.name == "postgresql"

    first = tmp_path / "first.csv"
    first.write_text(HEADER + "Jane,Doerinck,jane@acme.example,Acme,CTO,Germany,+49 30 1234567\n")
    ingest_file(first, "first")
    later = tmp_path / "later.csv"  # someone else, then her private address with her number
    later.write_text(
        HEADER
        + "Max,Mustermann,max@beta.example,Beta,CEO,Germany,\n"
        + "Jane,Doerinck,jd@mailbox.example,Other,CTO,Germany,+49 30 1234567\n"
    )
    campaign_id = register_campaign.fn("later", "webinar", "analytics", None, None)
    batches = stage_file.fn(str(later), campaign_id, 1).batches
    assert len(batches) == 2
    read_and_clean, readers, read_ahead_done = cleaning._read_and_clean, [], threading.Event()

    def noting_the_reader(*args):  # type: ignore[no-untyped-def]
        got = read_and_clean(*args)
        readers.append((args[1], threading.current_thread() is threading.main_thread()))
        if threading.current_thread() is not threading.main_thread():
            read_ahead_done.set()
        return got

    monkeypatch.setattr(cleaning, "_read_and_clean", noting_the_reader)
    clean_batch.fn(campaign_id, *batches[0], read_next=batches[1])
    if ahead:
        assert read_ahead_done.wait(60)
    erase("jane@acme.example")
    clean_batch.fn(campaign_id, *batches[1])
    # The first batch read here; the second only ahead (its read taken, not repeated), or
    # here too on SQLite.
    assert readers == [(batches[0][0], True), (batches[1][0], not ahead)]
    with session_scope() as session:
        stored = session.execute(select(Lead.email, Lead.phone_e164)).all()
    assert ("jd@mailbox.example", None) in [(row.email, row.phone_e164) for row in stored]
    assert all("1234567" not in str(row.phone_e164) for row in stored), stored

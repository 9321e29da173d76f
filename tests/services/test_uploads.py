"""Files shared once through the send ledger (bot/delivery/uploads.py): a second request with the
same key uploads nothing; Slack refusing is recorded for good; a crash mid-upload is settled by
recovery with the row's note, never a second upload. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks.chart import draw_chart
from bot.delivery.outbox import Outbox, Outcome
from bot.delivery.uploads import Upload, upload_once
from bot.services.report import Mean, Ratio, WeekPoint
from storage.models import SEND_CLAIMED, SEND_FAILED, SEND_SENT
from tests.support.harness import TEAM

T0 = datetime(2026, 2, 9, 9, 0, tzinfo=UTC)
FILES = [Upload("a.csv", b"x,y\r\n1,2\r\n", "a.csv")]


def upload(outbox, client, key="export:T0001:1"):
    return upload_once(outbox, client, team_id=TEAM, key=key, channel="C0GENERAL", uploads=FILES,
                       comment="Here", fallback="The file didn't come; ask again.")


def test_the_same_key_uploads_once(db, fake_slack):
    outbox = Outbox(db, clock=lambda: T0)
    assert upload(outbox, fake_slack.client()) is Outcome.SENT
    assert upload(outbox, fake_slack.client()) is Outcome.DUPLICATE
    assert [f["content"] for f in fake_slack.files_in("C0GENERAL")] == [FILES[0].content]
    row = outbox.row(team_id=TEAM, key="export:T0001:1")
    assert row.status == SEND_SENT and row.message_ts == fake_slack.shared_files()[0]["id"]


def test_slack_refusing_is_recorded_and_not_retried(db, fake_slack):
    outbox = Outbox(db, clock=lambda: T0)
    fake_slack.fail_next("files.getUploadURLExternal", "not_in_channel")
    assert upload(outbox, fake_slack.client()) is Outcome.FAILED
    row = outbox.row(team_id=TEAM, key="export:T0001:1")
    assert (row.status, row.error) == (SEND_FAILED, "not_in_channel")
    assert Outbox(db, clock=lambda: T0 + timedelta(hours=1)).recover(lambda _t: fake_slack.client()) == {}
    assert fake_slack.shared_files() == [] and fake_slack.calls_to("chat.postMessage") == []


def test_a_crash_mid_upload_is_settled_with_the_note_never_a_second_upload(db, fake_slack, monkeypatch):
    outbox = Outbox(db, clock=lambda: T0)
    client = fake_slack.client()

    def dropped(**_):
        raise ConnectionResetError("connection dropped")

    monkeypatch.setattr(client, "files_upload_v2", dropped)
    assert upload(outbox, client) is Outcome.RETRY_LATER
    assert outbox.row(team_id=TEAM, key="export:T0001:1").status == SEND_CLAIMED
    assert upload(outbox, fake_slack.client()) is Outcome.DUPLICATE  # a retry doesn't upload it again
    later = Outbox(db, clock=lambda: T0 + timedelta(minutes=11))
    later.recover(lambda _t: fake_slack.client())
    [note] = fake_slack.calls_to("chat.postMessage")
    assert (note.params["channel"], note.params["text"]) == ("C0GENERAL", "The file didn't come; ask again.")
    assert fake_slack.shared_files() == []
    assert outbox.row(team_id=TEAM, key="export:T0001:1").status == SEND_SENT


def test_the_chart_is_a_wide_png_or_nothing_before_the_first_check_in():
    assert draw_chart([], cohort=False) is None
    weeks = [WeekPoint(week=k, cycle=k, pairs=40, met=Ratio(30 - k, 40), response=Ratio(70 - 2 * k, 80),
                       usefulness=Mean(4.1 * 30, 30)) for k in range(1, 13)]
    png = draw_chart(weeks, cohort=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1200, 700)

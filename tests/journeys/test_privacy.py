"""Privacy, provably: a unique phrase in every free-text field (intro, goals' what, why and
measure, learn-back items, check-in answers, final-survey answers; some typed through the real
check-in modal) and none of them reaches an admin: not the admin channel, not a reply to an
admin, not the admin's App Home, not an uploaded file, not the command line. The one exception
is a blocker its author ticked "share this with the program team" for: it reaches the admins,
with the person's name. Through signed requests, the real HTTP server and the fake Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.cli import main
from bot.delivery.dispatcher import Dispatcher
from bot.slack.ids import Action, CheckinBlock, checkin_button_value
from storage.models import CheckIn, Goal, Participant
from storage.repositories import participants as repo
from tests.support.factories import mentee_create, participant_create
from tests.support.harness import ADMIN_CHANNEL
from tests.support.program import NOW, SHARED_BLOCKER, TEAM, seed_program_in_slack
from tests.support.rounds import ADMIN
from tests.support.slackreq import checkboxes, plain, radio, values_from_view

TYPED_SHARED = "Typed-shared: we need a quiet room"
MARK = "SECRET-"


def typed_checkin(bot, user: str, pair_id: int, channel: str, *, learned: str, blocker: str, share: bool) -> None:
    """A check-in through the prompt's button and the real modal."""
    before = len(bot.fake.calls_to("views.open"))
    bot.slack.block_action(user, Action.OPEN_CHECKIN, checkin_button_value(pair_id, 3, "checkin"), channel_id=channel)
    view = bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")
    values = values_from_view(view, {
        CheckinBlock.MET: radio("yes"), CheckinBlock.USEFULNESS: radio("4"), CheckinBlock.LEARNED: plain(learned),
        CheckinBlock.WILL_TRY: plain(f"{MARK}typed-will-try-{user}"), CheckinBlock.BLOCKERS: plain(blocker),
        CheckinBlock.SHARE_BLOCKER: checkboxes(["share"] if share else []),
    })
    status, _, body = bot.slack.view_submission(user, view, values)
    assert status == 200 and not body


def admin_facing(bot) -> list[str]:
    """Everything the app showed an admin, as text."""
    out = []
    for call in bot.fake.calls:
        channel = call.params.get("channel") or call.params.get("channel_id")
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral") and channel in (ADMIN_CHANNEL, ADMIN):
            out.append(json.dumps(call.params, ensure_ascii=False))
        elif call.method == "views.publish" and call.params.get("user_id") == ADMIN:
            out.append(json.dumps(call.params, ensure_ascii=False))
        elif call.method == "response_url":  # only the admin runs commands and clicks admin buttons here
            out.append(json.dumps(call.params, ensure_ascii=False))
        elif call.method.startswith("files."):
            out.append(json.dumps(call.params, ensure_ascii=False))
    for f in bot.fake.shared_files(ADMIN_CHANNEL):
        out.append(f["content"].decode("utf-8", "replace"))
        out.append(str(f["initial_comment"]))
    return out


@pytest.fixture
def program(bot_on):
    ids = seed_program_in_slack(bot_on)
    with bot_on.db.session() as s:  # the final survey's own words, too
        final = s.exec(select(CheckIn).where(CheckIn.kind == "final")).one()
        final.blockers = f"{MARK}final-blocker"
    return ids


def test_no_free_text_reaches_an_admin_except_a_shared_blocker(bot_on, program, clean_cli_env, monkeypatch,
                                                               capsys):
    bot = bot_on
    # Two check-ins typed in the modal: one shares its blocker, one doesn't.
    typed_checkin(bot, "U0E2", program["silent"], "G0PAIR2", learned=f"{MARK}typed-learned-E2",
                  blocker=f"{MARK}typed-blocker-E2", share=False)
    typed_checkin(bot, "U0R2", program["silent"], "G0PAIR2", learned=f"{MARK}typed-learned-R2",
                  blocker=TYPED_SHARED, share=True)
    with bot.db.session() as s:
        shares = {c.user_id: c.share_blocker for c in s.exec(select(CheckIn).where(CheckIn.pair_id == program["silent"]))}
        assert shares == {"U0E2": False, "U0R2": True}
        # Every free-text field holds a phrase that must not travel.
        planted = [p.intro for p in s.exec(select(Participant))]
        planted += [t for g in s.exec(select(Goal)) for t in (g.what, g.why, g.measure) if t]
        planted += [t for c in s.exec(select(CheckIn)) for t in (c.learned, c.will_try, c.blockers)
                    if t and not (c.share_blocker and t in (SHARED_BLOCKER, TYPED_SHARED))]
    assert len(planted) > 40 and all(MARK in t for t in planted)

    # The admin's surfaces: the report with its chart, the export, "Message the pair", the App Home
    # dashboard, a matching preview, the weekly digest.
    bot.slack.command(ADMIN, "report", channel_id=ADMIN_CHANNEL)
    bot.wait_until(lambda: bot.fake.files_in(ADMIN_CHANNEL), what="the chart")
    bot.slack.command(ADMIN, "export", channel_id=ADMIN_CHANNEL)
    bot.wait_until(lambda: len(bot.fake.files_in(ADMIN_CHANNEL)) == 4, what="the export")
    bot.slack.block_action(ADMIN, Action.MESSAGE_PAIR, str(program["not_met"]), channel_id=ADMIN_CHANNEL,
                           message={"blocks": [], "text": "x", "ts": "1.2"}, message_ts="1.2")
    bot.fake.wait_for("response_url")
    bot.slack.app_home_opened(ADMIN)
    bot.fake.wait_for("views.publish")
    # A matching round's preview, for two people waiting with intros of their own.
    with bot.db.session() as s:
        repo.upsert(s, data=participant_create(slack_user_id="U0POOLR", intro=f"{MARK}intro-pool-mentor"))
        repo.upsert(s, data=mentee_create(slack_user_id="U0POOLE", intro=f"{MARK}intro-pool-mentee"))
    for uid in ("U0POOLR", "U0POOLE"):
        bot.fake.add_user(uid)
    before = len(bot.fake.calls_to("chat.postMessage"))
    bot.slack.command(ADMIN, "match", channel_id=ADMIN_CHANNEL)
    preview = bot.fake.wait_for("chat.postMessage", count=before + 1)[-1]
    assert preview.params["channel"] == ADMIN_CHANNEL and "U0POOLE" in str(preview.json("blocks"))
    planted += [f"{MARK}intro-pool-mentor", f"{MARK}intro-pool-mentee"]
    Dispatcher(bot.deps, team_id=TEAM).tick(datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    assert any(c.params.get("channel") == ADMIN_CHANNEL and (c.json("metadata") or {}).get("event_payload", {})
               .get("key", "").startswith("digest:") for c in bot.fake.calls_to("chat.postMessage"))

    # The command line.
    monkeypatch.setenv("DATABASE_URL", bot.db.url)
    cli_out = []
    for argv in (["report", "--at", NOW.isoformat()], ["export", "pairs"], ["export", "people"], ["export", "checkins"]):
        assert main([*argv, "--team", TEAM]) == 0
        out, err = capsys.readouterr()
        cli_out.append(out + err)

    seen = admin_facing(bot) + cli_out
    assert len(bot.fake.shared_files(ADMIN_CHANNEL)) == 5  # the report's chart, three CSV files, the weekly digest's chart
    leaks = sorted({t for t in planted for text in seen if t in text})
    assert leaks == []
    assert not any(MARK in text for text in seen)
    # What was shared did reach the admins, with the person's name (mentioned in Slack, named on the CLI).
    slack_text = "\n".join(admin_facing(bot))
    assert SHARED_BLOCKER in slack_text and TYPED_SHARED in slack_text
    assert "<@U0R2> said something is getting in the way (session 3), and shared it with you" in slack_text
    assert f"Mentor silent (U0R2) said something is getting in the way (session 3), and shared it with you: “{TYPED_SHARED}”" in cli_out[0]

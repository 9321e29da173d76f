"""The App Home tab: an admin's program dashboard with the pairs that need attention and the
buttons to run a round, open settings and export; a participant's pair, goals with progress, next
prompt, check-ins and the Pause / Resume / Edit buttons. Through signed requests and the fake Slack."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.slack.ids import Action
from storage.models import PARTICIPANT_PAUSED, Participant
from storage.repositories import participants as repo
from tests.support.factories import mentee_create, participant_create
from tests.support.harness import ADMIN_CHANNEL
from tests.support.program import seed_program_in_slack
from tests.support.rounds import ADMIN


@pytest.fixture
def program(bot_on):
    return seed_program_in_slack(bot_on)


def open_home(bot, user) -> list[dict]:
    before = len(bot.fake.calls_to("views.publish"))
    status, _, _ = bot.slack.app_home_opened(user)
    assert status == 200
    call = bot.fake.wait_for("views.publish", count=before + 1)[-1]
    assert call.params["user_id"] == user
    return call.json("view")["blocks"]


def buttons(blocks) -> list[tuple[str, str | None]]:
    return [(e["action_id"], e.get("value")) for b in blocks if b["type"] == "actions" for e in b["elements"]]


def text_of(blocks) -> str:
    return str(blocks)


def test_an_admin_sees_the_dashboard_with_the_pairs_that_need_attention(bot_on, program):
    blocks = open_home(bot_on, ADMIN)
    assert blocks[0]["text"]["text"] == "Program dashboard"
    text = text_of(blocks)
    assert "*Met at least once:* 4 of 7 pairs (57 %)" in text
    assert "Pairs that need attention (4)" in text
    got = buttons(blocks)
    assert {a for a, _ in got} >= {Action.HOME_MATCH, Action.OPEN_SETTINGS, Action.HOME_EXPORT,
                                   Action.MESSAGE_PAIR, Action.END_PAIR}
    attention = sorted(program[n] for n in ("silent", "not_met", "shared_blocker", "private_blocker"))
    assert sorted(int(v) for a, v in got if a == Action.END_PAIR) == attention
    assert "SECRET-" not in text


def test_a_participant_sees_their_pair_goals_next_prompt_and_check_ins(bot_on, program):
    blocks = open_home(bot_on, "U0E1")
    text = text_of(blocks)
    assert "Program dashboard" not in text
    assert "*Your reverse mentor: <@U0R1>*" in text and "Session 4 of 12" in text
    # Wednesday 28 Jan: the next prompt is Friday's check-in, at 15:00 London time.
    assert "Next from me: the check-in prompt, Fri 30 Jan, 15:00 (Europe/London)." in text
    assert "SECRET-goal_what-1: on track" in text  # their own goal, with its progress
    assert "Your check-ins: session 1: met, 5/5; session 2: met, 5/5; session 3: met, 5/5" in text
    got = {a for a, _ in buttons(blocks)}
    assert got == {Action.HOME_JOIN, Action.HOME_PAUSE}


def test_pause_and_resume_from_the_home_tab(bot_on, program):
    open_home(bot_on, "U0E1")
    before = len(bot_on.fake.calls_to("views.publish"))
    bot_on.slack.block_action("U0E1", Action.HOME_PAUSE, selected_option={"text": {"type": "plain_text", "text": "2 weeks"},
                                                                           "value": "2w"},
                              action_type="static_select", container={"type": "view", "view_id": "V1"})
    home = bot_on.fake.wait_for("views.publish", count=before + 1)[-1].json("view")["blocks"]
    with bot_on.db.session() as s:
        person = s.exec(select(Participant).where(Participant.slack_user_id == "U0E1")).one()
        assert person.status == PARTICIPANT_PAUSED and person.paused_until is not None
    assert Action.HOME_RESUME in {a for a, _ in buttons(home)}
    notes = [c for c in bot_on.fake.calls_to("chat.postMessage") if c.params["channel"] in ("G0PAIR1", "U0R1")]
    assert len(notes) == 1  # the partner is told, once
    bot_on.slack.block_action("U0E1", Action.HOME_RESUME, "resume", container={"type": "view", "view_id": "V1"})
    home = bot_on.fake.wait_for("views.publish", count=before + 2)[-1].json("view")["blocks"]
    assert Action.HOME_PAUSE in {a for a, _ in buttons(home)}
    with bot_on.db.session() as s:
        assert s.exec(select(Participant).where(Participant.slack_user_id == "U0E1")).one().status == "active"


def test_the_dashboard_buttons_export_and_message_a_pair(bot_on, program):
    open_home(bot_on, ADMIN)
    before = len(bot_on.fake.calls_to("views.publish"))
    bot_on.slack.block_action(ADMIN, Action.HOME_EXPORT, "export", container={"type": "view", "view_id": "V1"})
    home = bot_on.fake.wait_for("views.publish", count=before + 1)[-1].json("view")["blocks"]
    assert [f["name"] for f in bot_on.fake.files_in(ADMIN_CHANNEL)] == ["pairs.csv", "people.csv", "checkins.csv"]
    assert f"The export (pairs.csv, people.csv, checkins.csv) is in <#{ADMIN_CHANNEL}>." in text_of(home[0])
    bot_on.slack.block_action(ADMIN, Action.MESSAGE_PAIR, str(program["silent"]),
                              container={"type": "view", "view_id": "V1"})
    home = bot_on.fake.wait_for("views.publish", count=before + 2)[-1].json("view")["blocks"]
    assert "Sent a friendly note to <@U0R2> and <@U0E2>" in text_of(home[0])
    assert len([c for c in bot_on.fake.calls_to("chat.postMessage") if c.params["channel"] == "G0PAIR2"]) == 1


def test_the_dashboard_buttons_refuse_someone_who_isnt_an_admin(bot_on, program):
    before = len(bot_on.fake.calls_to("views.publish"))
    for action in (Action.HOME_EXPORT, Action.HOME_MATCH, Action.MESSAGE_PAIR):
        bot_on.slack.block_action("U0E1", action, "1", container={"type": "view", "view_id": "V1"})
    homes = bot_on.fake.wait_for("views.publish", count=before + 3)
    assert all("Only program admins can do that" in text_of(h.json("view")["blocks"][0]) for h in homes[-3:])
    assert bot_on.fake.shared_files() == []
    assert [c for c in bot_on.fake.calls_to("chat.postMessage") if c.params["channel"].startswith("G0PAIR")] == []


def test_run_a_matching_round_from_the_home_tab_posts_the_preview_in_the_admin_channel(bot_on, program):
    with bot_on.db.session() as s:  # two people waiting in the pool
        repo.upsert(s, data=participant_create(slack_user_id="U0POOLR"))
        repo.upsert(s, data=mentee_create(slack_user_id="U0POOLE"))
    bot_on.fake.add_user("U0POOLR")
    bot_on.fake.add_user("U0POOLE")
    before = len(bot_on.fake.calls_to("views.publish"))
    bot_on.slack.block_action(ADMIN, Action.HOME_MATCH, "match", container={"type": "view", "view_id": "V1"})
    home = bot_on.fake.wait_for("views.publish", count=before + 1)[-1].json("view")["blocks"]
    assert f"The matching preview is in <#{ADMIN_CHANNEL}>" in text_of(home[0])
    previews = [c for c in bot_on.fake.calls_to("chat.postMessage") if c.params["channel"] == ADMIN_CHANNEL]
    assert len(previews) == 1 and "U0POOLE" in str(previews[0].json("blocks"))

"""Every `/mentoring` command gives a true answer in every state a person can be in: not signed
up, in the pool, paired, paused, left, and after their program ended. Table-driven: one row per
state, one column per command, each cell what the answer must say (a modal's title, or the words
that start the reply)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage.models import PAIR_ENDED
from storage.repositories import participants as repo
from tests.support.factories import paired, participant_create

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday, week 9 of a pair introduced on 5 January
ANA, BEN = "U0ANA", "U0BEN"
STATES = ("new", "pool", "paired", "paused", "left", "ended")
COMMANDS = ("help", "join", "status", "goals", "pause 2w", "resume", "leave")

# state -> command -> what the answer starts with ("modal: <title>" for a modal)
EXPECTED = {
    "new": {
        "join": "modal: Join reverse mentoring",
        "status": "You haven't joined yet.",
        "goals": "You're not signed up yet.",
        "pause 2w": "You're not signed up, so there's nothing to pause.",
        "resume": "You're not signed up, so there's nothing to resume.",
        "leave": "You're not signed up, so there's nothing to leave.",
    },
    "pool": {
        "join": "modal: Edit your profile",
        "status": "You're in the pool: you'll hear from me when the next matching round pairs you.",
        "goals": "You'll set goals once you're matched",
        "pause 2w": "Paused until Wednesday 18 March: I won't match you until then",
        "resume": "You're not paused, so there's nothing to resume",
        "leave": "Leave reverse mentoring?",
    },
    "paired": {
        "join": "modal: Edit your profile",
        "status": "You're paired with <@U0BEN> (your reverse mentor) since 5 January.",
        "goals": "modal: Your goals",
        "pause 2w": "Paused until Wednesday 18 March: your pair gets no prompts until then",
        "resume": "You're not paused, so there's nothing to resume",
        "leave": "Leave reverse mentoring?",
    },
    "paused": {
        "join": "modal: Edit your profile",
        "status": "You're paused until Monday 9 March: no prompts until then.",
        "goals": "modal: Your goals",
        "pause 2w": "Paused until Wednesday 18 March: your pair gets no prompts until then",
        "resume": "Welcome back! Your pair's prompts pick up again from the next one.",
        "leave": "Leave reverse mentoring?",
    },
    "left": {
        "join": "modal: Rejoin reverse mentoring",
        "status": "You've left the program.",
        "goals": "You've left the program, so there are no goals to set.",
        "pause 2w": "You've left the program, so there's nothing to pause.",
        "resume": "You've left the program, so there's nothing to resume.",
        "leave": "You've already left reverse mentoring.",
    },
    "ended": {
        "join": "modal: Edit your profile",
        "status": "Your program with <@U0BEN> is complete. You're in the pool:",
        "goals": "Your program with <@U0BEN> is complete, so its goals are closed.",
        "pause 2w": "Paused until Wednesday 18 March: I won't match you until then",
        "resume": "You're not paused, so there's nothing to resume",
        "leave": "Leave reverse mentoring?",
    },
}


def put_in_state(bot, state: str) -> None:
    if state == "new":
        return
    if state == "pool":
        with bot.db.session() as s:
            repo.upsert(s, data=participant_create(slack_user_id=ANA, side="mentee", seniority_years=20))
        return
    _, _, pair = paired(bot.db, mentee=dict(slack_user_id=ANA), mentor=dict(slack_user_id=BEN),
                        introduced_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    with bot.db.session() as s:
        if state == "paused":
            repo.set_paused(s, team_id="T0001", user_id=ANA, until=date(2026, 3, 9), now=NOW)
        if state == "left":
            repo.mark_left(s, team_id="T0001", user_id=ANA)
        if state in ("left", "ended"):
            row = s.get(type(pair), pair.id)
            row.status, row.ended_at = PAIR_ENDED, NOW
            row.end_reason = "left" if state == "left" else "Program complete"
            s.add(row)


def answer(bot, text: str) -> str:
    """What the person sees: the reply (in the ack, or through the response URL), or the modal."""
    opened = len(bot.fake.calls_to("views.open"))
    replied = len(bot.fake.replies("commands"))
    status, _, body = bot.slack.command(ANA, text)
    assert status == 200
    if body and body.get("text"):
        return body["text"]

    def came():
        if len(bot.fake.calls_to("views.open")) > opened:
            return "modal: " + bot.fake.calls_to("views.open")[-1].json("view")["title"]["text"]
        if len(bot.fake.replies("commands")) > replied:
            return bot.fake.replies("commands")[-1].params["text"]
        return None
    return bot.wait_until(came, what=f"the answer to {text!r}")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("state", STATES)
def test_every_command_in_every_state(bot, state, command):
    bot.clock.set(NOW)
    bot.fake.add_user(ANA, name="Ana Silva", tz="Europe/London")
    put_in_state(bot, state)
    said = answer(bot, command)
    if command == "help":
        assert said == "Reverse mentoring: here's what you can do."
        return
    assert said.startswith(EXPECTED[state][command]), f"{state} / {command}: {said!r}"


def test_the_table_covers_every_state_and_command():
    assert set(EXPECTED) == set(STATES)
    assert all(set(row) == set(COMMANDS) - {"help"} for row in EXPECTED.values())

"""Driving a matching round through the app, as admins do: seed a pool, run `/mentoring match`,
click Confirm or Cancel, wait for the round to settle."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlmodel import select

from bot.slack.ids import Action
from storage.models import ROUND_DONE, MatchRound
from tests.support.factories import mentee_create, participant_create, seed_participants
from tests.support.harness import ADMIN_CHANNEL

ADMIN = "U0ADM"
MENTORS = ["U0M1", "U0M2", "U0M3"]
MENTEES = ["U0E1", "U0E2", "U0E3"]
LONE = "U0LONE"  # a mentee nine hours away from every mentor: stays unmatched
EVERYONE = MENTORS + MENTEES + [LONE]


def seed(bot, *, n: int = 3) -> None:
    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN, "U0OTHER"])
    people = []
    for i in range(n):
        people.append(participant_create(slack_user_id=MENTORS[i], name=f"Mentor {i + 1}"))
        people.append(mentee_create(slack_user_id=MENTEES[i], name=f"Mentee {i + 1}"))
    people.append(mentee_create(slack_user_id=LONE, name="Lone Mentee", timezone="Asia/Tokyo"))
    seed_participants(bot.db, people)
    for uid in EVERYONE:
        bot.fake.add_user(uid)


def all_rows(bot, model):
    with bot.db.session() as s:
        return list(s.exec(select(model).order_by(model.id)))


def command_reply(bot, user, channel=ADMIN_CHANNEL, *, slack=None) -> dict:
    """Run `/mentoring match`: Slack gets a bare ack at once; the answer comes through the
    command's response URL. Returns that answer's parameters. `slack`: another workspace's
    requests (default: the harness's)."""
    requests = slack or bot.slack
    url = requests.new_response_url("commands")  # its own: a late answer to another command is not this one
    path = urlsplit(url).path
    status, _, body = requests.command(user, "match", channel_id=channel, response_url=url)
    assert status == 200 and not body
    return bot.wait_until(lambda: [c for c in bot.fake.replies("commands") if c.path == path],
                          what="the command's answer")[0].params


def preview(bot, user=ADMIN, channel=ADMIN_CHANNEL, *, slack=None):
    """Run `/mentoring match` and return (the first reply, the preview message call)."""
    before = len(bot.fake.calls_to("chat.postMessage"))
    body = command_reply(bot, user, channel, slack=slack)
    call = bot.fake.wait_for("chat.postMessage", count=before + 1)[-1]
    assert call.params["channel"] == channel

    def recorded():
        with bot.db.session() as s:
            return s.exec(select(MatchRound).where(MatchRound.message_ts == call.response["ts"])).first()
    bot.wait_until(recorded, what="the preview's ts stored")
    return body, call


def click(bot, call, action_id, user=ADMIN, channel=ADMIN_CHANNEL, *, slack=None):
    message = {"blocks": call.json("blocks"), "text": call.params["text"], "ts": call.response["ts"]}
    status, _, _ = (slack or bot.slack).block_action(user, action_id, channel_id=channel, message=message,
                                                     message_ts=call.response["ts"])
    assert status == 200


def round_row(bot) -> MatchRound:
    [row] = all_rows(bot, MatchRound)
    return row


def wait_round(bot, status, timeout=10.0) -> MatchRound:
    def check():
        with bot.db.session() as s:
            row = s.exec(select(MatchRound)).first()
            return row if row is not None and row.status == status else None
    row = bot.wait_until(check, timeout=timeout, what=f"round {status}")
    if status == ROUND_DONE:  # the final state of the preview message follows the database
        bot.wait_until(lambda: any("introduced" in c.params["text"] for c in bot.fake.calls_to("chat.update")),
                       what="the final update")
    return row


def intro_posts(bot):
    return [c for c in bot.fake.calls_to("chat.postMessage")
            if ((c.json("metadata") or {}).get("event_payload") or {}).get("key", "").startswith("intro:")]


def confirm_while_slack_refuses(bot, user_id: str, error: str = "user_disabled") -> None:
    """Preview a round, make Slack refuse to open a conversation with `user_id` (as for a
    deactivated account), confirm it, and wait until the round is done."""
    _, call = preview(bot)

    def open_(c):
        return {"ok": False, "error": error} if user_id in c.params["users"] else None

    bot.fake.set_handler("conversations.open", open_)
    click(bot, call, Action.MATCH_CONFIRM)
    wait_round(bot, ROUND_DONE)

"""Words for `/mentoring add`: the invitation each person gets, and the admin's answer, one line
per address. Pure functions."""

from __future__ import annotations

from bot.blocks.common import actions, button, esc, section, truncate, user
from bot.slack.ids import COMMAND, Action, Sub

MAX_ADDRESSES = 50

ADD_USAGE = (f"Tell me who to invite: `{COMMAND} {Sub.ADD} alice@example.com bob@example.com` (their Slack "
             f"email addresses, up to {MAX_ADDRESSES} at a time). Nothing was sent.")
TOO_MANY = (f"That's more than {MAX_ADDRESSES} addresses: please send them in smaller batches. "
            "Nothing was sent.")

# Lookup.problem / outcome -> the line the admin reads after "• address: "
_PROBLEMS = {
    "not_an_email": "doesn't look like an email address",
    "not_found": "nobody in this workspace has that address (they may use another one in Slack)",
    "is_bot": "that's a bot or an app, not a person",
    "deactivated": "that account is deactivated",
    "slack_busy": "Slack asked me to slow down, so I couldn't look it up: try this one again in a minute",
    "already_in": "already in the program",
    "already_invited": "already invited today",
    "invited": "invited",
    "not_sent": "I couldn't send the invitation (Slack refused the DM)",
    "queued": "the invitation is on its way",
}


def build_invitation(*, user_id: str, invited_by: str) -> dict:
    text = (f"Hi {user(user_id)}! {user(invited_by)} from the program team invites you to join *reverse mentoring*: "
            "a more junior colleague shares digital skills, a more senior one shares leadership and know-how back, "
            "and both learn. It takes a few minutes to sign up, and a short chat every week or two after that.")
    blocks = [
        section(text),
        actions(button("Join", Action.HOME_JOIN, style="primary")),
        section(f"Or type `{COMMAND} {Sub.JOIN}` anywhere. Not for you right now? No need to do anything."),
    ]
    return {"text": truncate(text, 3000), "blocks": blocks}


def build_add_reply(lines: list[tuple[str, str, str | None, str | None]]) -> dict:
    """`lines`: (address typed, outcome, Slack user ID or None, Slack's error or None), in order."""
    invited = sum(1 for _, outcome, _, _ in lines if outcome in ("invited", "queued"))
    out = []
    for typed, outcome, uid, error in lines:
        who = f" ({user(uid)})" if uid and outcome not in ("is_bot",) else ""
        what = _PROBLEMS.get(outcome) or f"Slack refused the lookup ({esc(error) or 'unknown error'})"
        out.append(f"• {truncate(esc(typed), 100)}{who}: {what}")
    head = f"Invited {invited} {'person' if invited == 1 else 'people'} to join." if invited else "Nobody was invited."
    text = head + "\n" + "\n".join(out)
    return {"response_type": "ephemeral", "text": truncate(text, 3000),
            "blocks": [section(truncate(text, 3000))] if len(text) <= 3000 else
            [section(head), *[section(truncate("\n".join(out[i:i + 20]), 3000)) for i in range(0, len(out), 20)]]}

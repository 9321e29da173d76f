"""The words people read, through the real HTTP server: a round of one pair is previewed,
confirmed and introduced. The admins read grammatical counts and no engine figures; the pair
reads why they were paired in their own terms (what one can share that the other wants, what
they both care about, that their teams rarely meet), never years, time-zone offsets or scores."""

from __future__ import annotations

import re

from bot.slack.ids import Action
from tests.support.factories import participant_create, seed_participants
from tests.support.harness import ADMIN_CHANNEL
from tests.support.rounds import ADMIN, click, intro_posts, preview, wait_round

SAM, QUINN = "U0SAM", "U0QUINN"
ENGINE = re.compile(r"\byrs?\b|years|offset|\bscore|\bh apart|9-5|cycle", re.IGNORECASE)


def text_of(call) -> str:
    blocks = call.json("blocks") or []
    parts = [call.params.get("text") or ""]
    for b in blocks:
        if b.get("text"):
            parts.append(b["text"]["text"])
        parts += [e.get("text", "") for e in b.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(parts)


def test_a_round_of_one_pair_in_human_words(bot):
    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    for uid, name in ((SAM, "Sam Lee"), (QUINN, "Quinn Park")):
        bot.fake.add_user(uid, name=name, tz="Europe/London")
    seed_participants(bot.db, [
        participant_create(slack_user_id=SAM, name="Sam Lee", seniority_years=5, department="Engineering",
                           skills_share=["data_viz", "ai_tools"], skills_learn=["leadership", "strategy"]),
        participant_create(slack_user_id=QUINN, name="Quinn Park", side="mentee", seniority_years=27,
                           department="Finance", skills_share=["leadership"], skills_learn=["data_viz", "strategy"],
                           timezone="Europe/Berlin"),
    ])
    _, call = preview(bot)
    shown = text_of(call)
    assert "*1 pair* from a pool of 2 people (1 mentor, 1 mentee)." in shown
    assert "*1 of 1* mentee (100%) gets a mentor who can teach something they asked for." in shown
    assert "Their working days overlap by 7 hours" in shown  # shared hours, not offsets
    assert not ENGINE.search(shown), ENGINE.search(shown)
    confirm = [e for b in call.json("blocks") if b["type"] == "actions" for e in b["elements"]][0]
    assert confirm["text"]["text"] == "Confirm 1 pair"
    assert confirm["confirm"]["text"]["text"].startswith("The pair gets a group DM introducing them")

    click(bot, call, Action.MATCH_CONFIRM)
    wait_round(bot, "done")
    assert bot.fake.last_call("chat.update").params["text"].startswith(":white_check_mark: The pair is introduced.")
    [intro] = intro_posts(bot)
    said = text_of(intro)
    [why] = [b["text"]["text"] for b in intro.json("blocks") if b["type"] == "section"
             and b["text"]["text"].startswith("*Why we paired you*\n")]
    assert why.splitlines()[1:] == [
        f"• <@{QUINN}> wants to get better at *Data &amp; dashboards*, and <@{SAM}> can share it.",
        f"• <@{SAM}> would like to learn about *Leading people*, which <@{QUINN}> can share back.",
        "• You both care about *Strategic thinking*.",
        "• Your teams, Engineering and Finance, rarely meet: you'll each see a side of the organisation you "
        "don't usually see.",
    ]
    assert not ENGINE.search(said), ENGINE.search(said)

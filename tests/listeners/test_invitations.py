"""`/mentoring add alice@example.com …`: admins invite people by email, in the admin channel. Each
address gets its own answer; each person found gets one invitation (ledgered), with a Join button."""

from __future__ import annotations

from bot.blocks import invitations as words
from bot.slack.ids import Action, View
from storage.models import SendLedger
from tests.support.factories import participant_create, seed_participants
from tests.support.harness import ADMIN_CHANNEL
from tests.support.rounds import all_rows

ADMIN = "U0ADM"


def run(bot, user, text, channel=ADMIN_CHANNEL, slack=None) -> dict:
    before = len(bot.fake.calls_to("response_url"))
    status, _, body = (slack or bot.slack).command(user, text, channel_id=channel)
    assert status == 200 and not body
    return bot.fake.wait_for("response_url", count=before + 1)[-1].params


def dms_to(bot, user_id):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == user_id]


def test_an_admin_invites_people_by_email_and_each_address_gets_its_own_answer(bot_on):
    bot = bot_on
    bot.fake.add_user(ADMIN, "Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    bot.fake.add_user("U0ALI", "Alice", email="alice@example.com")
    bot.fake.add_user("U0BOB", "Bob", email="Bob@Example.com")
    bot.fake.add_user("U0GONE", "Gone", email="gone@example.com", deleted=True)
    bot.fake.add_user("U0ROBO", "Robo", email="robo@example.com", is_bot=True)
    bot.fake.add_user("U0INN", "Ines", email="ines@example.com")
    bot.fake.add_user("U0ELSE", "Elsewhere", email="else@example.com", team_id="T0OTHER")
    seed_participants(bot.db, [participant_create(slack_user_id="U0INN")])

    # Slack sends addresses in a command as mailto links; a plain one is read too.
    text = ("add <mailto:alice@example.com|alice@example.com> bob@example.com gone@example.com robo@example.com "
            "ines@example.com nobody@example.com else@example.com not-an-address <mailto:x@y|x@y>")
    reply = run(bot, ADMIN, text)
    lines = reply["text"].splitlines()
    assert lines[0] == "Invited 2 people to join."
    assert lines[1:] == [
        "• alice@example.com (<@U0ALI>): invited",
        "• bob@example.com (<@U0BOB>): invited",
        "• gone@example.com (<@U0GONE>): that account is deactivated",
        "• robo@example.com: that's a bot or an app, not a person",
        "• ines@example.com (<@U0INN>): already in the program",
        "• nobody@example.com: nobody in this workspace has that address (they may use another one in Slack)",
        "• else@example.com: nobody in this workspace has that address (they may use another one in Slack)",
        "• not-an-address: doesn't look like an email address",
        "• x@y: doesn't look like an email address",
    ]
    for uid in ("U0ALI", "U0BOB"):
        [dm] = dms_to(bot, uid)
        assert f"<@{ADMIN}> from the program team invites you" in dm.params["text"]
        [button] = [el for b in dm.json("blocks") if b["type"] == "actions" for el in b["elements"]]
        assert button["action_id"] == Action.HOME_JOIN
    assert not dms_to(bot, "U0GONE") and not dms_to(bot, "U0ROBO") and not dms_to(bot, "U0INN")
    assert sorted(r.key for r in all_rows(bot, SendLedger)) == sorted(
        f"invite:{u}:{bot.deps.now().date().isoformat()}" for u in ("U0ALI", "U0BOB"))

    # The same again (a repeat, or Slack retrying): nobody is invited twice.
    again = run(bot, ADMIN, "add alice@example.com ALICE@example.com")
    assert again["text"].splitlines() == ["Nobody was invited.", "• alice@example.com (<@U0ALI>): already invited today"]
    assert len(dms_to(bot, "U0ALI")) == 1

    # The Join button in the invitation opens the sign-up modal.
    dm = dms_to(bot, "U0ALI")[0]
    message = {"blocks": dm.json("blocks"), "text": dm.params["text"], "ts": dm.response["ts"]}
    bot.slack.block_action("U0ALI", Action.HOME_JOIN, channel_id=dm.response["channel"], message=message)
    assert bot.fake.wait_for("views.open")[-1].json("view")["callback_id"] == View.JOIN


def test_adding_people_is_for_admins_in_the_admin_channel_and_bad_input_says_how(bot):
    bot.fake.add_user(ADMIN, "Ada Admin")
    bot.fake.add_user("U0NOBODY", "No Body")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    bot.fake.add_user("U0ALI", "Alice", email="alice@example.com")
    assert run(bot, "U0NOBODY", "add alice@example.com")["text"].startswith("Only program admins can do that")
    assert "only works in the program's admin channel" in run(bot, ADMIN, "add alice@example.com",
                                                              channel="C0GENERAL")["text"]
    assert run(bot, ADMIN, "add")["text"] == words.ADD_USAGE
    assert run(bot, ADMIN, "add " + " ".join(f"p{i}@example.com" for i in range(51)))["text"] == words.TOO_MANY
    assert not bot.fake.calls_to("users.lookupByEmail") and not dms_to(bot, "U0ALI")

    # Slack refuses the lookup (an install from before the email scope): said per address.
    bot.fake.fail_next("users.lookupByEmail", "missing_scope")
    reply = run(bot, ADMIN, "add alice@example.com")
    assert reply["text"].splitlines() == ["Nobody was invited.",
                                          "• alice@example.com: Slack refused the lookup (missing_scope)"]
    assert not dms_to(bot, "U0ALI")

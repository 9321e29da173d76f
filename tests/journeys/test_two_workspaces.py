"""Two workspaces install the app through the OAuth flow against the fake Slack, each picks its
admin channel and runs a matching round, then the program's first nudges go out: each
workspace gets only its own messages, every call carries its own workspace's token, and no
data, message or cached answer crosses between them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import select

from bot.delivery.dispatcher import Dispatcher
from bot.slack.ids import Action
from storage.models import ROUND_DONE, MatchRound, Pair, Participant, SendLedger
from tests.support.factories import mentee_create, participant_create, seed_participants
from tests.support.installs import install, requests_for, start_oauth_harness
from tests.support.rounds import click, command_reply, preview
from tests.support.slackreq import SlackRequests

INTRODUCED = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
MONDAY = datetime(2026, 3, 9, 10, 5, tzinfo=UTC)  # the second cycle's nudge is due (London = UTC)
GRID_USER = "W0SHARED1"  # an Enterprise Grid user: the same ID in every workspace of the organization


@dataclass
class Org:
    team_id: str
    name: str
    prefix: str  # of its people's IDs

    @property
    def admin_channel(self) -> str:
        return f"C{self.prefix}ADMINS"

    @property
    def boss(self) -> str:  # a workspace admin
        return f"U{self.prefix}BOSS"

    @property
    def admin(self) -> str:  # runs the program, from the admin channel
        return f"U{self.prefix}ADA"

    @property
    def people(self) -> list[str]:
        return [f"U{self.prefix}{k}{i}" for k in ("MENTOR", "MENTEE") for i in (1, 2)]


ACME = Org("T0ACME001", "Acme", "ACME")
GLOBEX = Org("T0GLOBEX1", "Globex", "GLOBEX")


def set_up(bot, org: Org) -> SlackRequests:
    """The workspace installs the app, its people are there and have signed up, and a workspace
    admin makes the admins' channel the program's admin channel."""
    page = install(bot, org.team_id, org.name)
    assert page.status == 200 and f"installed in {org.name}" in page.body
    fake = bot.fake
    fake.add_user(org.boss, "Boss", team_id=org.team_id, is_admin=True)
    fake.add_user(org.admin, "Ada", team_id=org.team_id)
    for uid in org.people:
        fake.add_user(uid, uid.title(), team_id=org.team_id)
    members = [org.boss, org.admin] + ([GRID_USER] if org is ACME else [])
    fake.add_channel(org.admin_channel, "mentoring-admins", members=members, is_private=True, team_id=org.team_id)
    mentors, mentees = org.people[:2], org.people[2:]
    seed_participants(bot.db, [participant_create(team_id=org.team_id, slack_user_id=u) for u in mentors]
                      + [mentee_create(team_id=org.team_id, slack_user_id=u) for u in mentees])
    slack = requests_for(bot, org.team_id)
    before = len(bot.fake.calls_to("response_url"))
    status, _, _ = slack.command(org.boss, "admin-channel", channel_id=org.admin_channel)
    assert status == 200
    reply = bot.fake.wait_for("response_url", count=before + 1)[-1]
    assert reply.params["response_type"] == "in_channel" and "made this channel" in reply.params["text"]
    assert bot.deps.admins.channel(org.team_id) == org.admin_channel
    return slack


def run_round(bot, org: Org, slack: SlackRequests) -> None:
    _, call = preview(bot, user=org.admin, channel=org.admin_channel, slack=slack)
    assert call.token == bot.fake.tokens_of(org.team_id)[-1]
    click(bot, call, Action.MATCH_CONFIRM, user=org.admin, channel=org.admin_channel, slack=slack)

    def done():
        with bot.db.session() as s:
            rnd = s.exec(select(MatchRound).where(MatchRound.team_id == org.team_id)).first()
            return rnd is not None and rnd.status == ROUND_DONE
    bot.wait_until(done, timeout=10, what=f"{org.name}'s round introduced")


def rows(bot, model, team_id: str) -> list:
    with bot.db.session() as s:
        return list(s.exec(select(model).where(model.team_id == team_id)))


def test_two_workspaces_each_run_a_round_and_get_only_their_own_messages(fake_slack, sqlite_db):
    bot = start_oauth_harness(fake_slack, sqlite_db)
    try:
        bot.clock.set(INTRODUCED)
        fake_slack.add_user(GRID_USER, "Sam Shared", team_id=ACME.team_id,
                            enterprise_user={"id": GRID_USER, "enterprise_id": "E0GRID001",
                                             "teams": [ACME.team_id, GLOBEX.team_id]})
        slacks = {org.team_id: set_up(bot, org) for org in (ACME, GLOBEX)}
        for org in (ACME, GLOBEX):
            run_round(bot, org, slacks[org.team_id])

        # A member of Acme's admin channel is nobody special in Globex: nothing cached in one
        # workspace answers for the other.
        command_reply(bot, GRID_USER, channel=ACME.admin_channel, slack=slacks[ACME.team_id])
        # `match` answers twice ("working…", then the outcome): both before the next command.
        bot.wait_until(lambda: any("Nobody is waiting" in (c.params.get("text") or "")
                                   for c in fake_slack.calls_to("response_url")), what="Acme's second answer")
        refusal = command_reply(bot, GRID_USER, channel=GLOBEX.admin_channel, slack=slacks[GLOBEX.team_id])
        assert refusal["text"].startswith("Only program admins can do that")

        bot.clock.set(MONDAY)
        report = Dispatcher(bot.deps).tick(MONDAY)
        assert report.teams == 2 and report.sent == 4  # two pairs in each workspace, one nudge each
    finally:
        bot.close()

    token = {org.team_id: fake_slack.tokens_of(org.team_id) for org in (ACME, GLOBEX)}
    assert all(len(t) == 1 for t in token.values())  # one install each, one token each
    fake_slack.assert_clean()  # no call reached into the other workspace's channels or people
    for org, other in ((ACME, GLOBEX), (GLOBEX, ACME)):
        pairs = rows(bot, Pair, org.team_id)
        assert len(pairs) == 2
        assert {u for p in pairs for u in (p.mentor_user_id, p.mentee_user_id)} == set(org.people)
        assert {p.slack_user_id for p in rows(bot, Participant, org.team_id)} == set(org.people)
        [rnd] = rows(bot, MatchRound, org.team_id)
        assert rnd.channel_id == org.admin_channel and rnd.pairs_introduced == 2

        # Everything said to the workspace went with its own token, to its own conversations.
        calls = [c for c in fake_slack.calls if c.token in token[org.team_id]]
        assert calls and all(c.team_hint == org.team_id for c in calls)
        posts = [c for c in calls if c.method == "chat.postMessage"]
        channels = {c.params["channel"] for c in posts}
        assert channels == {org.admin_channel} | {p.channel_id for p in pairs}
        assert not any(u in c.params.get("text", "") for c in posts for u in other.people + [other.boss])
        kinds = sorted(((c.json("metadata") or {}).get("event_payload") or {}).get("key", "preview").split(":")[0]
                       for c in posts)
        assert kinds == ["intro", "intro", "nudge", "nudge", "preview"]
        assert not [c for c in fake_slack.calls if c.token in token[other.team_id] and c.team_hint == org.team_id]

        # The ledger holds each workspace's own sends (and its skipped digest), to its own conversations.
        ledger = rows(bot, SendLedger, org.team_id)
        assert {r.channel_id for r in ledger} == {org.admin_channel} | {p.channel_id for p in pairs}

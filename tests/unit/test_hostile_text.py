"""Text is text: everything a person typed (or Slack reported about them, like a name) is
escaped for mrkdwn wherever a builder shows it, so nobody can post `<!channel>`, a mention or a
disguised link through the app.

Every public function of every module in bot/blocks is run here with hostile input in every place
a person's words can reach, and every string Slack would read as mrkdwn is searched for the
hostile markup. A builder added later fails `test_every_builder_is_run` until it is added here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date
from types import SimpleNamespace

import pytest

import bot.blocks
from bot.blocks import admin, checkins, common, goals, install, onboarding, pauses, prompts, rounds
from bot.domain.topics import KICKOFF
from bot.services.errors import NotSignedUp, UnreadablePause
from bot.services.onboarding import PairedWith, Standing
from bot.services.pauses import PartnerToTell, Paused, Resumed
from bot.services.rounds import Moved, NothingToMatch, NotPosted, OpenProposal, PoolChange, Stale
from bot.slack.admin import Refusal as AdminRefusal
from storage.repositories.erasure import Erased

HOSTILE = "Hi <!channel> *bold* <@U123> & <https://x|y> <!here> <#C999|general> <!subteam^S1>"
# What must never reach Slack's mrkdwn parser intact.
MARKUP = ("<!channel>", "<!here>", "<@U123>", "<https://x|y>", "<#C999", "<!subteam")
TODAY = date(2026, 3, 2)


def hostile_profile(status="active", **kw):
    return SimpleNamespace(
        slack_user_id="U0ANA", name=HOSTILE, side="either", skills_share=["ai_tools", HOSTILE],
        skills_learn=[HOSTILE], seniority_years=5, department=HOSTILE, timezone="Europe/London",
        meeting_mode="video", meeting_frequency="weekly", intro=HOSTILE, status=status,
        paused_until=None, capacity=1, manager_slack_id=None, **kw)


def hostile_goal(id=1, role="mentee"):
    return SimpleNamespace(id=id, what=HOSTILE, why=HOSTILE, measure=HOSTILE, role=role, position=id,
                           target_date=date(2026, 6, 1), author_user_id="U0ANA")


def hostile_checkin():
    return SimpleNamespace(met=True, usefulness=4, learned=HOSTILE, will_try=HOSTILE, blockers=HOSTILE,
                           goal_progress={"1": "some"}, overall_usefulness=5, recommend="yes",
                           keep_meeting="yes", share_blocker=True)


def hostile_proposal():
    reasons = [f"{HOSTILE} can share what {HOSTILE} wants to learn: AI tools",
               f"Different departments: {HOSTILE} and {HOSTILE}"]
    return {"pairs": [{"mentor": "U0BEN", "mentee": "U0ANA", "score": 16, "reasons": reasons}],
            "unmatched": [{"user": "U0CAT", "reason": f"Every possible partner is in the same department ({HOSTILE})"}],
            "stats": {"pairs": 1, "participants": 3, "mentors": 1, "mentees": 1, "either": 1, "unmatched": 1}}


def standing(status="active"):
    pairs = (PairedWith(partner_id="U0BEN", role="reverse mentor", since=TODAY, pair_id=1),
             PairedWith(partner_id="U0CAT", role="mentee", since=TODAY, pair_id=2))
    return Standing(hostile_profile(status), "U0BEN", "reverse mentor", TODAY, 1, pairs)


PAUSED = Paused(user_id="U0ANA", until=date(2026, 3, 16), today=TODAY,
                partners=(PartnerToTell(pair_id=1, partner_id="U0BEN", channel="G0PAIR"),))
RESUMED = Resumed(user_id="U0ANA", today=TODAY, ended_on=None,
                  partners=(PartnerToTell(pair_id=1, partner_id="U0BEN", channel="G0PAIR"),))
ERASED = Erased(profile=True, goals=2, checkins=3, pairs=1, rounds=1, messages=9, other=1)

# Each builder with hostile input wherever a person's words (or their name, or a team's name)
# can reach it. Several calls where a builder has several shapes.
CALLS: dict[str, list] = {
    "admin.admin_channel_refusal": [lambda: admin.admin_channel_refusal("C0ADMIN")],
    "admin.admin_channel_set": [lambda: admin.admin_channel_set(user_id="U0ANA", before="C0OLD")],
    "admin.command_refusal_text": [lambda r=r: admin.command_refusal_text(r, sub="match", admin_channel="C0ADMIN")
                                   for r in AdminRefusal],
    "admin.refusal_text": [lambda: admin.refusal_text(AdminRefusal.NOT_AN_ADMIN, what="x", admin_channel="C1")],
    "checkins.build_checkin_modal": [
        lambda: checkins.build_checkin_modal(pair_id=1, cycle=2, kind="checkin", partner_name=HOSTILE,
                                             goals=[hostile_goal(1), hostile_goal(2, "mentor")],
                                             existing=hostile_checkin()),
        lambda: checkins.build_checkin_modal(pair_id=1, cycle=12, kind="final", partner_name=HOSTILE,
                                             goals=[hostile_goal(1)], existing=hostile_checkin()),
    ],
    "checkins.build_checkin_thanks": [
        lambda k=k, m=m, u=u: checkins.build_checkin_thanks(name=HOSTILE, kind=k, met=m, updated=u, weekly=True)
        for k in ("checkin", "final") for m in (True, False) for u in (True, False)],
    "checkins.refusal": [lambda: checkins.refusal(NotSignedUp())],
    "common.actions": [lambda: common.actions(common.button("Go", "a"))],
    "common.button": [lambda: common.button("Go", "a", value=HOSTILE)],
    "common.context": [lambda: common.context(common.esc(HOSTILE))],
    "common.divider": [common.divider],
    "common.esc": [lambda: common.esc(HOSTILE)],
    "common.fields": [lambda: common.fields(common.esc(HOSTILE))],
    "common.fmt_day": [lambda: common.fmt_day(TODAY)],
    "common.header": [lambda: common.header(HOSTILE)],
    "common.input_block": [lambda: common.input_block("b", HOSTILE, common.text_input(10))],
    "common.modal": [lambda: common.modal("cb", "Title", [], private_metadata=HOSTILE)],
    "common.mrkdwn": [lambda: common.mrkdwn(common.esc(HOSTILE))],
    "common.option": [lambda: common.option(HOSTILE, "v")],
    "common.people": [lambda: common.people(["U0ANA", "U0BEN"])],
    "common.plain": [lambda: common.plain(HOSTILE)],
    "common.section": [lambda: common.section(common.esc(HOSTILE))],
    "common.text_input": [lambda: common.text_input(300, initial=HOSTILE, placeholder=HOSTILE)],
    "common.truncate": [lambda: common.truncate(common.esc(HOSTILE), 20)],
    "common.user": [lambda: common.user("U0ANA")],
    "goals.build_goals_modal": [
        lambda: goals.build_goals_modal(pair_id=1, role="mentee", partner_id="U0BEN", goals=[hostile_goal()]),
        lambda: goals.build_goals_modal(pair_id=1, role="mentor", partner_id="U0ANA",
                                        goals=[hostile_goal(1, "mentor")], partner_goals=[hostile_goal()]),
    ],
    "goals.build_goals_posted": [
        lambda r=r, u=u: goals.build_goals_posted(pair_id=1, role=r, author_id="U0ANA", goals=[hostile_goal()], updated=u)
        for r in ("mentee", "mentor") for u in (True, False)],
    "goals.fmt_date": [lambda: goals.fmt_date(TODAY)],
    "goals.refusal": [lambda: goals.refusal(NotSignedUp())],
    "install.failed_page": [lambda: install.failed_page(HOSTILE)],
    "install.install_page": [lambda: install.install_page("https://slack.com/oauth?x=<y>&z=1")],
    "install.installed_page": [lambda: install.installed_page(team_name=HOSTILE, app_url="https://x/<y>",
                                                              welcome_back=True)],
    "onboarding.build_already_left": [lambda h=h: onboarding.build_already_left(has_data=h) for h in (True, False)],
    "onboarding.erased_lines": [lambda: onboarding.erased_lines(ERASED)],
    "onboarding.build_help_message": [lambda: onboarding.build_help_message(unknown=HOSTILE, is_admin_channel=True)],
    "onboarding.build_home": [lambda s=s: onboarding.build_home(standing(s), today=TODAY)
                              for s in ("active", "paused", "left")],
    "onboarding.build_home_view": [lambda: onboarding.build_home_view(hostile_profile(), standing="In the pool.")],
    "onboarding.build_join_modal": [lambda: onboarding.build_join_modal(hostile_profile()),
                                    lambda: onboarding.build_join_modal(None)],
    "onboarding.build_joined_dm": [lambda c=c: onboarding.build_joined_dm(hostile_profile(), created=c)
                                   for c in (True, False)],
    "onboarding.build_leave_confirm": [lambda p=p: onboarding.build_leave_confirm(in_pair=p) for p in (True, False)],
    "onboarding.build_left_message": [lambda d=d: onboarding.build_left_message(deleted=d, erased=ERASED)
                                      for d in (True, False)],
    "onboarding.build_not_a_member_message": [onboarding.build_not_a_member_message],
    "onboarding.build_not_saved_dm": [onboarding.build_not_saved_dm],
    "onboarding.build_status": [lambda s=s: onboarding.build_status(standing(s), today=TODAY)
                                for s in ("active", "paused", "left")],
    "onboarding.build_status_message": [lambda: onboarding.build_status_message(hostile_profile(), standing="x")],
    "onboarding.profile_lines": [lambda: onboarding.profile_lines(hostile_profile())],
    "onboarding.standing_line": [lambda: onboarding.standing_line(hostile_profile(), partner_id="U0BEN",
                                                                  partner_role="mentee", paired_since=TODAY,
                                                                  today=TODAY)],
    "onboarding.standing_text": [lambda: onboarding.standing_text(standing(), today=TODAY)],
    "pauses.pair_ended_admin_note": [lambda: pauses.pair_ended_admin_note(leaver_id="U0ANA", partner_id="U0BEN")],
    "pauses.pair_ended_partner_note": [lambda: pauses.pair_ended_partner_note(leaver_id="U0ANA")],
    "pauses.pause_note": [lambda: pauses.pause_note(PAUSED)],
    "pauses.pause_refusal": [lambda: pauses.pause_refusal(UnreadablePause(f"I can't read {HOSTILE}."))],
    "pauses.paused_reply": [lambda: pauses.paused_reply(PAUSED)],
    "pauses.resume_note": [lambda: pauses.resume_note(RESUMED)],
    "pauses.resume_refusal": [lambda: pauses.resume_refusal(NotSignedUp())],
    "pauses.resumed_reply": [lambda: pauses.resumed_reply(RESUMED)],
    "prompts.closing": [lambda: prompts.closing(pair_id=1, mentor="U0BEN", mentee="U0ANA", cycle=12,
                                                survey_pending=["U0ANA"])],
    "prompts.feedback_prompt": [lambda: prompts.feedback_prompt(pair_id=1, mentor="U0BEN", mentee="U0ANA",
                                                                cycle=2, n_cycles=12)],
    "prompts.final_survey": [lambda: prompts.final_survey(pair_id=1, mentor="U0BEN", mentee="U0ANA", cycle=12)],
    "prompts.nudge": [lambda: prompts.nudge(mentor="U0BEN", mentee="U0ANA", cycle=1, n_cycles=12, topic=KICKOFF)],
    "prompts.reminder": [lambda: prompts.reminder(pair_id=1, cycle=2, waiting_for=["U0ANA"])],
    "prompts.survey_reminder": [lambda: prompts.survey_reminder(pair_id=1, cycle=12, waiting_for=["U0ANA"])],
    "rounds.app_problem_note": [lambda: rounds.app_problem_note(error=HOSTILE, round_id=1)],
    "rounds.build_cancelled": [lambda: rounds.build_cancelled(proposal=hostile_proposal(), cancelled_by="U0ADM")],
    "rounds.build_finished": [lambda: rounds.build_finished(proposal=hostile_proposal(), decided_by="U0ADM",
                                                            introduced=0, total=1, unmatched=1,
                                                            failed=[("U0BEN", "U0ANA", HOSTILE)])],
    "rounds.build_intro": [lambda: rounds.build_intro(pair_id=1, mentor="U0BEN", mentee="U0ANA",
                                                      reasons=hostile_proposal()["pairs"][0]["reasons"],
                                                      profiles={"U0BEN": (HOSTILE, "video"),
                                                                "U0ANA": (HOSTILE, "coffee")})],
    "rounds.build_intro_failed_dm": [lambda: rounds.build_intro_failed_dm(user_id="U0ANA")],
    "rounds.build_nothing_to_match": [
        lambda n=n: rounds.build_nothing_to_match(pool_size=n, unmatched=hostile_proposal()["unmatched"] * 2)
        for n in (1, 2)],
    "rounds.build_open_proposal_exists": [lambda: rounds.build_open_proposal_exists(created_by="U0ADM",
                                                                                    permalink="https://x/y")],
    "rounds.build_preview": [lambda: rounds.build_preview(round_id=1, proposal=hostile_proposal(), created_by="U0ADM")],
    "rounds.build_preview_failed": [lambda: rounds.build_preview_failed(HOSTILE, "C0ADMIN")],
    "rounds.build_progress": [lambda: rounds.build_progress(proposal=hostile_proposal(), decided_by="U0ADM",
                                                            introduced=0, total=1, note=HOSTILE)],
    "rounds.build_stale": [lambda: rounds.build_stale(proposal=hostile_proposal(), what_changed="someone left")],
    "rounds.build_unmatched_dm": [lambda: rounds.build_unmatched_dm(user_id="U0CAT", reason=HOSTILE)],
    "rounds.build_working": [rounds.build_working],
    "rounds.decision_reply": [lambda: rounds.decision_reply(Stale(round_id=1, change=PoolChange(1, 1))),
                              lambda: rounds.decision_reply(Moved(round_id=1, status="done", decided_by="U0ADM"))],
    "rounds.pair_line": [lambda: rounds.pair_line(hostile_proposal()["pairs"][0])],
    "rounds.plain_reason": [lambda: rounds.plain_reason(HOSTILE)],
    "rounds.preview_reply": [
        lambda: rounds.preview_reply(OpenProposal(round_id=1, created_by="U0ADM", permalink=None)),
        lambda: rounds.preview_reply(NothingToMatch(pool_size=2, unmatched=hostile_proposal()["unmatched"] * 2)),
        lambda: rounds.preview_reply(NotPosted(round_id=1, error=HOSTILE, channel="C0ADMIN")),
    ],
    "rounds.round_state_reply": [lambda: rounds.round_state_reply("done", decided_by="U0ADM")],
    "rounds.stale_reply": [lambda: rounds.stale_reply("someone left")],
    "rounds.summary_line": [lambda: rounds.summary_line(hostile_proposal())],
    "rounds.what_changed": [lambda: rounds.what_changed(PoolChange(1, 2))],
}

# Helpers that put what they are given into a Block Kit object as it is: their callers escape
# (they are run above with text already escaped, or with plain_text that Slack doesn't parse).
LOW_LEVEL = {"common.context", "common.fields", "common.mrkdwn", "common.section", "common.truncate"}


def public_builders() -> set[str]:
    names = set()
    for info in pkgutil.iter_modules(bot.blocks.__path__):
        module = importlib.import_module(f"bot.blocks.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{info.name}.{name}")
    return names


def mrkdwn_strings(value, *, key: str | None = None):
    """Every string of a builder's result that Slack reads as mrkdwn: text objects of type
    mrkdwn, a message's `text`, replies that are plain strings. plain_text objects, input values,
    option values and metadata are shown or kept as they are, and are left out."""
    if isinstance(value, str):
        if key not in {"value", "initial_value", "private_metadata", "action_id", "block_id", "callback_id",
                       "url", "initial_date", "style", "type"}:
            yield value
    elif isinstance(value, dict):
        if value.get("type") == "plain_text":
            return
        for k, v in value.items():
            yield from mrkdwn_strings(v, key=k)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from mrkdwn_strings(v, key=key)


def test_every_builder_is_run():
    missing = public_builders() - set(CALLS)
    assert not missing, f"add these builders to CALLS with hostile input: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_no_mention_or_link_survives(name):
    for call in CALLS[name]:
        result = call()
        if name in LOW_LEVEL or result is None:
            continue
        for text in mrkdwn_strings(result):
            found = [m for m in MARKUP if m in text]
            assert not found, f"{name}: {found} survives in {text!r}"


def test_escaping_keeps_the_words():
    assert common.esc("A & B <c> d") == "A &amp; B &lt;c&gt; d"
    assert common.esc("") == "" and common.esc(None) == ""
    intro = rounds.build_intro(pair_id=1, mentor="U0BEN", mentee="U0ANA", reasons=[],
                               profiles={"U0ANA": ("Data & dashboards <3", "video")})
    assert "Data &amp; dashboards &lt;3" in str(intro["blocks"])

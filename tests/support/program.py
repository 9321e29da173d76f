"""A program in its fourth week, for the report, export, privacy and App Home tests.

Weekly cadence, default settings; pairs introduced Monday 5 Jan 2026 (London), so on NOW
(Wednesday 28 Jan) three sessions are done and their check-ins asked. Each pair is in a state
the report must tell apart; every free-text field holds a phrase that names itself, so a test
can prove none of them reaches an admin (only SHARED_BLOCKER may, as its author ticked the box).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from storage.models import PAIR_ENDED, CheckIn, Goal, MatchRound, Pair
from storage.repositories import participants as people_repo
from tests.support.factories import mentee_create, participant_create
from tests.support.harness import ADMIN_CHANNEL
from tests.support.rounds import ADMIN

TEAM = "T0001"
NOW = datetime(2026, 1, 28, 12, 0, tzinfo=UTC)
INTRODUCED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SHARED_BLOCKER = "Shared-blocker: our calendars never line up"


def secret(field: str, n: int) -> str:
    """A free-text answer no admin may ever see."""
    return f"SECRET-{field}-{n}"


def _person(s, uid: str, name: str, *, mentee: bool, **extra) -> None:
    make = mentee_create if mentee else participant_create
    people_repo.upsert(s, data=make(team_id=TEAM, slack_user_id=uid, name=name, intro=secret("intro", 0) + uid,
                                    **extra))


def _checkin(s, pair: Pair, uid: str, cycle: int, met: bool, usefulness: int | None = None, *, n: int,
             blocker: str = "", share: bool = False, progress: dict | None = None, kind: str = "checkin",
             **extra) -> None:
    s.add(CheckIn(team_id=TEAM, pair_id=pair.id, user_id=uid, cycle=cycle, kind=kind, met=met,
                  usefulness=usefulness, learned=secret("learned", n), will_try=secret("will_try", n),
                  blockers=blocker, share_blocker=share, goal_progress=progress or {}, **extra))


def seed_program(db) -> dict[str, int]:
    """Returns {name: pair id}: on_track, silent, not_met, shared_blocker, private_blocker, new, ended."""
    ids: dict[str, int] = {}
    with db.session() as s:
        rnd = MatchRound(team_id=TEAM, status="done", created_by="U0ADM", pool_fingerprint="x",
                         created_at=datetime(2026, 1, 2, tzinfo=UTC), decided_at=datetime(2026, 1, 2, tzinfo=UTC))
        s.add(rnd)
        s.flush()
        names = ["on_track", "silent", "not_met", "shared_blocker", "private_blocker", "new", "ended"]
        for i, name in enumerate(names, start=1):
            _person(s, f"U0R{i}", f"Mentor {name}", mentee=False)
            _person(s, f"U0E{i}", f"Mentee {name}", mentee=True)
            pair = Pair(team_id=TEAM, round_id=rnd.id, mentor_user_id=f"U0R{i}", mentee_user_id=f"U0E{i}",
                        channel_id=f"G0PAIR{i}",
                        introduced_at=datetime(2026, 1, 27, 9, tzinfo=UTC) if name == "new" else INTRODUCED)
            if name == "ended":
                pair.status, pair.ended_at, pair.end_reason = PAIR_ENDED, datetime(2026, 1, 20, tzinfo=UTC), "left"
            s.add(pair)
            s.flush()
            ids[name] = pair.id
            s.add(Goal(team_id=TEAM, pair_id=pair.id, role="mentee", position=1, author_user_id=f"U0E{i}",
                       what=secret("goal_what", i), why=secret("goal_why", i), measure=secret("goal_measure", i),
                       target_date=date(2026, 3, 1)))
            s.add(Goal(team_id=TEAM, pair_id=pair.id, role="mentor", position=1, author_user_id=f"U0R{i}",
                       what=secret("learn_back", i)))
        s.flush()
        goal = {p: g for g, p in s.exec(select(Goal.id, Goal.pair_id).where(Goal.role == "mentee")).all()}
        n = 0
        p = s.get(Pair, ids["on_track"])
        for cycle in (1, 2, 3):
            for uid in ("U0R1", "U0E1"):
                n += 1
                _checkin(s, p, uid, cycle, True, 5 if uid == "U0E1" else 4, n=n,
                         progress={str(goal[p.id]): "on_track"} if cycle == 3 else None)
        p = s.get(Pair, ids["not_met"])
        _checkin(s, p, "U0E3", 1, True, 3, n=(n := n + 1))
        _checkin(s, p, "U0E3", 2, False, n=(n := n + 1))
        _checkin(s, p, "U0E3", 3, False, n=(n := n + 1), blocker="")
        p = s.get(Pair, ids["shared_blocker"])
        _checkin(s, p, "U0E4", 3, True, 4, n=(n := n + 1), blocker=SHARED_BLOCKER, share=True)
        p = s.get(Pair, ids["private_blocker"])
        _checkin(s, p, "U0R5", 3, True, 4, n=(n := n + 1), blocker=secret("blocker", 5))
        p = s.get(Pair, ids["ended"])
        _checkin(s, p, "U0E7", 1, False, n=(n := n + 1), blocker=secret("blocker", 7))
        # A final survey from an earlier program (pair "ended" reuses its row for the figures).
        _checkin(s, p, "U0R7", 12, True, 4, n=(n := n + 1), kind="final", overall_usefulness=4,
                 recommend="yes", keep_meeting="maybe")
    return ids


def seed_program_in_slack(bot) -> dict[str, int]:
    """`seed_program` behind a running bot: the clock at NOW, an admin in the admin channel, and
    the seven pairs' people and group DMs in the fake Slack."""
    bot.clock.set(NOW)
    bot.fake.add_user(ADMIN, name="Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    for i in range(1, 8):
        bot.fake.add_user(f"U0R{i}", name=f"Mentor {i}", tz="Europe/London")
        bot.fake.add_user(f"U0E{i}", name=f"Mentee {i}", tz="Europe/London")
        bot.fake.add_channel(f"G0PAIR{i}", name=f"mpdm-pair{i}", members=[f"U0R{i}", f"U0E{i}"])
    return seed_program(bot.db)

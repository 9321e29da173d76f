"""A whole 12-week program, driven by `python -m bot tick --at ...` as a cron job would.

Three pairs whose mentees live in Europe/London, America/New_York and Asia/Kolkata are
introduced on Wed 18 Feb 2026. The program crosses both March daylight-saving changes (New
York on 8 Mar, London on 29 Mar; Kolkata has none). The bot is down from Fri 10 Apr 12:00 UTC
to Tue 14 Apr 12:00 UTC. People check in (rows written directly) on a script, so reminders
go only where due and some pairs go quiet.

The expectations are written out by hand from the product rules (Monday 10:00 nudge, Friday
15:00 feedback prompt, Sunday 15:00 reminder, local wall time; digest Mondays 09:00 UTC),
not computed with bot.domain.schedule.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import cli
from bot.delivery.sender import Pacer
from bot.deps import build_deps
from storage import schema
from storage.db import Database
from storage.models import PAIR_ENDED, SEND_SENT, CheckIn, Pair, SendLedger
from tests.support.factories import started_pair
from tests.support.harness import ADMIN_CHANNEL, TEAM

INTRODUCED = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)
FIRST_MONDAY = date(2026, 2, 23)
OUTAGE = (datetime(2026, 4, 10, 12, 0, tzinfo=UTC), datetime(2026, 4, 14, 12, 0, tzinfo=UTC))

# Who checks in (met=True) for which cycle: {zone: {cycle: (mentor?, mentee?)}}; "final" for the survey.
SCRIPT = {
    "Europe/London": {**{k: (True, True) for k in range(1, 6)}, **{k: (False, True) for k in range(6, 12)},
                      "final": (True, True)},
    "America/New_York": {"final": (False, False)},
    "Asia/Kolkata": {1: (False, True), 2: (False, True), **{k: (True, True) for k in range(8, 12)},
                     "final": (True, False)},
}


def local(zone: str, day: date, hh: int) -> datetime:
    return datetime.combine(day, time(hh, 0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def program_slots(zone: str) -> list[tuple[str, int, datetime]]:
    """(kind, cycle, instant) for the whole program, reminders included."""
    out = []
    for k in range(1, 13):
        monday = FIRST_MONDAY + timedelta(weeks=k - 1)
        out.append(("nudge", k, local(zone, monday, 10)))
        ask = "final_survey" if k == 12 else "feedback"
        out.append((ask, k, local(zone, monday + timedelta(days=4), 15)))
        out.append(("survey_reminder" if k == 12 else "reminder", k, local(zone, monday + timedelta(days=6), 15)))
    out.append(("closing", 12, local(zone, FIRST_MONDAY + timedelta(weeks=12), 10)))
    return out


def in_outage(at: datetime) -> bool:
    return OUTAGE[0] <= at < OUTAGE[1]


def who_checked_in(zone: str, kind: str, cycle: int) -> tuple[bool, bool]:
    key = "final" if kind in ("final_survey", "survey_reminder", "closing") else cycle
    return SCRIPT[zone].get(key, (False, False))


def expected_messages(zone: str) -> list[tuple[str, int, datetime]]:
    """(kind, cycle, when it is sent) for one pair, in order."""
    out = []
    for kind, cycle, at in program_slots(zone):
        if in_outage(at):
            if kind == "nudge":  # Monday's nudge is still worth sending on Tuesday
                out.append((kind, cycle, OUTAGE[1]))
            continue  # the rest went stale while the bot was down
        if kind in ("reminder", "survey_reminder") and all(who_checked_in(zone, kind, cycle)):
            continue
        out.append((kind, cycle, at))
    return out


def checkin_instants(zone: str) -> list[tuple[datetime, int, str, str, bool]]:
    """(when, cycle, kind, role, met): an hour after each Friday prompt."""
    out = []
    for kind, cycle, at in program_slots(zone):
        if kind not in ("feedback", "final_survey"):
            continue
        mentor, mentee = who_checked_in(zone, kind, cycle)
        ck = "final" if kind == "final_survey" else "checkin"
        for role, did in (("mentor", mentor), ("mentee", mentee)):
            if did:
                out.append((at + timedelta(hours=1), cycle, ck, role, True))
    return out


@pytest.fixture
def world(cli_slack_env, monkeypatch, fake_slack):
    url = cli_slack_env
    monkeypatch.setenv("MENTORING_ADMIN_CHANNEL", ADMIN_CHANNEL)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    # Slack's pace is not what this test is about (the dispatcher tests cover 429s).
    monkeypatch.setattr(cli, "build_deps", lambda settings, db: build_deps(settings, db, pacer=Pacer(rate=1000, burst=1000)))
    fake_slack.add_channel(ADMIN_CHANNEL, name="mentoring-admins", members=[])
    db = Database(url)
    schema.upgrade(db)
    yield db
    db.dispose()


def key_of(call) -> str:
    return (call.json("metadata") or {}).get("event_payload", {}).get("key")


def expected_digests(pairs: dict[str, Pair], checkins: list[tuple[datetime, str, int, bool]],
                     digest_instants: list[datetime]) -> list[tuple[datetime, str | None]]:
    """(when, text of the sections or None for no message) per digest week."""
    out = []
    for at in digest_instants:
        lines, counted = [], 0
        for zone, pair in pairs.items():
            slots = program_slots(zone)
            if slots[-1][2] <= at:  # the program is over: the pair has ended
                continue
            started = sum(1 for kind, _, when in slots if kind == "nudge" and when <= at)
            completed = max(0, started - 1)
            if completed < 2:
                continue
            counted += 1
            met = [(cycle, when) for when, z, cycle, m in checkins if z == zone and m and when <= at]
            last = max((c for c, _ in met if c <= completed + 1), default=None)
            if last is not None and last > completed - 2:
                continue
            streak = completed - (last or 0)
            last_text = "never"
            if last is not None:
                d = min(w for c, w in met if c == last).date()
                last_text = f"{d.day} {d:%b %Y}"
            lines.append((streak, pair.id, f"<@{pair.mentor_user_id}> & <@{pair.mentee_user_id}>: no meeting "
                                            f"reported for the last {streak} sessions (last met: {last_text})"))
        if counted == 0:
            out.append((at, None))
        elif not lines:
            who = "the 1 pair tracked so far" if counted == 1 else f"All {counted} pairs"
            out.append((at, f"Weekly check: {who} met in the last 2 sessions. :white_check_mark:"))
        else:
            out.append((at, "\n".join("• " + line for _, _, line in sorted(lines, key=lambda x: (-x[0], x[1])))))
    return out


def test_a_twelve_week_program_across_dst_runs_itself_exactly_once(world, fake_slack):
    db = world
    pairs = {
        "Europe/London": started_pair(db, fake_slack, mentee_tz="Europe/London", mentor_tz="Europe/Paris",
                                      introduced_at=INTRODUCED),
        "America/New_York": started_pair(db, fake_slack, mentee_tz="America/New_York",
                                         mentor_tz="America/Chicago", introduced_at=INTRODUCED),
        "Asia/Kolkata": started_pair(db, fake_slack, mentee_tz="Asia/Kolkata", mentor_tz="Asia/Singapore",
                                     introduced_at=INTRODUCED),
    }
    by_channel = {p.channel_id: zone for zone, p in pairs.items()}

    # Events: every slot instant of every pair, the weekly digest, 20 random instants (nothing
    # may go out early or twice), the check-ins, and the outage.
    mondays = [datetime.combine(FIRST_MONDAY + timedelta(weeks=w), time(9, 0), tzinfo=UTC) for w in range(14)]
    rng = random.Random(20260218)
    start, end = INTRODUCED, mondays[-1] + timedelta(days=3)
    randoms = [start + timedelta(seconds=rng.randrange(int((end - start).total_seconds()))) for _ in range(20)]
    ticks = {at for zone in pairs for _, _, at in program_slots(zone)} | set(mondays) | set(randoms)
    ticks = {t for t in ticks if not in_outage(t)} | {OUTAGE[1]}
    checkins = [(when, zone, cycle, kind, role, met) for zone in pairs
                for when, cycle, kind, role, met in checkin_instants(zone)]
    events = sorted([(t, 1, "tick", None) for t in ticks] + [(c[0], 0, "checkin", c) for c in checkins],
                    key=lambda e: (e[0], e[1]))

    for at, _, what, data in events:
        if what == "checkin":
            _, zone, cycle, kind, role, met = data
            pair = pairs[zone]
            with db.session() as s:
                s.add(CheckIn(team_id=TEAM, pair_id=pair.id, cycle=cycle, kind=kind, met=met,
                              user_id=pair.mentor_user_id if role == "mentor" else pair.mentee_user_id,
                              created_at=at, updated_at=at))
            continue
        assert cli.main(["tick", "--at", at.isoformat()]) == 0

    posts = fake_slack.calls_to("chat.postMessage")
    with db.session() as s:
        rows = {r.key: r for r in s.exec(select(SendLedger))}
        ended = {p.id: (p.status, p.end_reason) for p in s.exec(select(Pair))}

    # Each pair got exactly the expected messages, in order, each at its local time.
    for zone, pair in pairs.items():
        expected = expected_messages(zone)
        got = [key_of(c) for c in posts if by_channel.get(c["channel"]) == zone]
        assert got == [f"{kind}:{pair.id}:{cycle}" for kind, cycle, _ in expected], zone
        for kind, cycle, when in expected:
            row = rows[f"{kind}:{pair.id}:{cycle}"]
            assert row.status == SEND_SENT
            assert row.claimed_at.replace(second=0, microsecond=0) == when, (zone, kind, cycle)
        assert ended[pair.id] == (PAIR_ENDED, "Program complete")

    # Spot checks of the local wall times across the DST changes.
    ny, london = pairs["America/New_York"], pairs["Europe/London"]
    assert rows[f"nudge:{ny.id}:2"].claimed_at.hour == 15  # Mon 2 Mar 10:00 EST
    assert rows[f"reminder:{ny.id}:2"].claimed_at.hour == 19  # Sun 8 Mar 15:00 EDT, the day clocks change
    assert rows[f"nudge:{ny.id}:3"].claimed_at.hour == 14  # Mon 9 Mar 10:00 EDT
    assert rows[f"nudge:{london.id}:5"].claimed_at.hour == 10  # Mon 23 Mar 10:00 GMT
    assert rows[f"nudge:{london.id}:6"].claimed_at.hour == 9  # Mon 30 Mar 10:00 BST

    # Reminders mention exactly the people who had not checked in.
    for call in posts:
        zone = by_channel.get(call["channel"])
        kind = key_of(call).split(":")[0]
        if kind not in ("reminder", "survey_reminder"):
            continue
        pair, cycle = pairs[zone], int(key_of(call).split(":")[2])
        mentor_done, mentee_done = who_checked_in(zone, kind, cycle)
        assert (f"<@{pair.mentor_user_id}>" in call["text"]) is not mentor_done
        assert (f"<@{pair.mentee_user_id}>" in call["text"]) is not mentee_done

    # The weekly digest: one per week, from the first week a pair has completed two cycles.
    digest_instants = [OUTAGE[1] if in_outage(m) else m for m in mondays]
    met_checkins = [(when, zone, cycle, met) for when, zone, cycle, kind, _, met in checkins if kind == "checkin"]
    expected = [(at, body) for at, body in expected_digests(pairs, met_checkins, digest_instants) if body]
    digests = [c for c in posts if c["channel"] == ADMIN_CHANNEL]
    assert len(digests) == len(expected)
    for call, (at, body) in zip(digests, expected, strict=True):
        year, week, _ = at.isocalendar()
        assert key_of(call) == f"digest:{TEAM}:{year}-W{week:02d}"
        assert rows[key_of(call)].claimed_at.replace(second=0, microsecond=0) == at
        sections = "\n".join(b["text"]["text"] for b in call.json("blocks") if b["type"] == "section")
        if body.startswith("Weekly check:"):
            assert sections == body
        else:
            assert [line for line in sections.splitlines() if line.startswith("• ")] == body.splitlines()
    # The New York pair never reports a meeting: it is listed every week from its second cycle on.
    assert sum(f"<@{ny.mentee_user_id}>" in str(c.json("blocks")) for c in digests) >= 9

    assert len(posts) == sum(len(expected_messages(z)) for z in pairs) + len(expected)

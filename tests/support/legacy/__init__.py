"""Databases as release d4ae0dc left them, before migrations: its frozen schema (one SQL file per
database kind) and a realistic program written into it with plain SQL.

Nothing here imports the app's models, so the fixture keeps describing that release whatever
the models become.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import MetaData, select
from sqlalchemy.engine import Connection

HERE = Path(__file__).resolve().parent
TEAM = "T0001"
ADMIN_CHANNEL = "C0ADMIN"


def create_schema(conn: Connection) -> None:
    """The tables, indexes and constraints release d4ae0dc's `create_all` made."""
    ddl = (HERE / f"d4ae0dc_{conn.dialect.name}.sql").read_text()
    for statement in ddl.split(";\n"):
        lines = [line for line in statement.splitlines() if not line.startswith("--")]
        if "".join(lines).strip():
            conn.exec_driver_sql("\n".join(lines))


@dataclass(frozen=True)
class Program:
    """What `fill` wrote that tests look for: the pairs' ids and group DMs."""

    pair_ids: tuple[int, int, int]  # two active, introduced pairs; one that ended when someone left
    channels: tuple[str, str]


def _insert(conn: Connection, table, **values) -> int | None:
    pk = list(table.primary_key.columns)[0]
    if pk.name == "id":
        return conn.execute(table.insert().returning(pk), values).scalar_one()
    conn.execute(table.insert(), values)
    return None


def _person(user: str, name: str, side: str, share: list[str], learn: list[str], years: int, dept: str,
            **extra) -> dict:
    row = dict(team_id=TEAM, slack_user_id=user, name=name, side=side, skills_share=share, skills_learn=learn,
               seniority_years=years, department=dept, timezone="Europe/London", meeting_mode="video",
               meeting_frequency="weekly", intro=f"Hi, I'm {name}.", capacity=1, manager_slack_id=None,
               status="active", paused_until=None, paused_at=None, joined_at=datetime(2026, 1, 2, 9, 0),
               updated_at=datetime(2026, 1, 2, 9, 0), left_at=None)
    row.update(extra)
    return row


def fill(conn: Connection, channels: tuple[str, str]) -> Program:
    """A program in its second week, as of Monday 19 January 2026 09:59 UTC: seven people (one
    paused, one who left), a confirmed round with three pairs (two running, one ended), their
    intros, the first week's prompts and check-ins, goals, settings, and the ledger of it all.
    Times are naive UTC, as the release stored them."""
    t = MetaData()
    t.reflect(bind=conn)
    tb = t.tables
    _insert(conn, tb["programsettings"], team_id=TEAM, length_weeks=12, cadence_weeks=1, nudge_weekday=0,
            nudge_time="10:00", feedback_weekday=4, feedback_time="15:00", reminder_after_days=2, quiet_cycles=2,
            digest_weekday=0, digest_time="09:00", digest_timezone="Europe/London", max_tz_diff_hours=6.0,
            allow_same_department=False)
    people = [
        _person("UMENTOR1", "Ada", "mentor", ["ai_tools", "social_media"], ["leadership"], 3, "Engineering"),
        _person("UMENTEE1", "Bea", "mentee", ["leadership", "career"], ["ai_tools"], 20, "Finance"),
        _person("UMENTOR2", "Cal", "mentor", ["spreadsheets"], ["strategy"], 2, "Sales"),
        _person("UMENTEE2", "Dee", "mentee", ["strategy"], ["spreadsheets"], 25, "Legal"),
        _person("UMENTEE3", "Gus", "mentee", ["negotiation"], ["prompting"], 18, "Operations"),
        _person("UPOOL1", "Eve", "either", ["design_tools"], ["career"], 8, "Design", status="paused",
                paused_until=date(2026, 2, 2), paused_at=datetime(2026, 1, 10, 8, 0)),
        _person("ULEFT1", "Fay", "mentor", ["prompting"], ["negotiation"], 1, "Marketing", status="left",
                left_at=datetime(2026, 1, 9, 17, 0)),
    ]
    for person in people:
        _insert(conn, tb["participant"], **person)

    decided = datetime(2026, 1, 7, 11, 58)
    reasons = ["Bea wants to learn AI tools (ChatGPT, Copilot), which Ada can share",
               "Ada wants to learn Leading people, which Bea can share back"]
    proposal = {"pairs": [{"mentor": "UMENTOR1", "mentee": "UMENTEE1", "score": 20, "reasons": reasons},
                          {"mentor": "UMENTOR2", "mentee": "UMENTEE2", "score": 20, "reasons": reasons[:1]},
                          {"mentor": "ULEFT1", "mentee": "UMENTEE3", "score": 20, "reasons": reasons[:1]}],
                "unmatched": [], "stats": {"pairs": 3, "participants": 6}}
    round_id = _insert(conn, tb["matchround"], team_id=TEAM, status="done", open_slot=None, created_by="UADMIN",
                       created_at=datetime(2026, 1, 7, 11, 50), decided_by="UADMIN", decided_at=decided,
                       pool_fingerprint="f" * 64, proposal=proposal, channel_id=ADMIN_CHANNEL,
                       message_ts="1767786600.000100", pairs_total=3, pairs_introduced=3)
    intro_at = datetime(2026, 1, 7, 12, 0)

    def pair(mentor: str, mentee: str, channel: str | None, **extra) -> int:
        values = dict(team_id=TEAM, round_id=round_id, mentor_user_id=mentor, mentee_user_id=mentee, score=20,
                      reasons=reasons, status="active", channel_id=channel, created_at=decided,
                      introduced_at=intro_at, ended_at=None, end_reason=None)
        values.update(extra)
        return _insert(conn, tb["pair"], **values)

    p1 = pair("UMENTOR1", "UMENTEE1", channels[0])
    p2 = pair("UMENTOR2", "UMENTEE2", channels[1])
    p3 = pair("ULEFT1", "UMENTEE3", "G0ENDED", status="ended", ended_at=datetime(2026, 1, 9, 17, 0),
              end_reason="left")

    def goal(pair_id: int, role: str, position: int, author: str, what: str, **extra) -> None:
        values = dict(team_id=TEAM, pair_id=pair_id, role=role, position=position, author_user_id=author,
                      what=what, why="", measure="", target_date=None, created_at=datetime(2026, 1, 8, 9, 0),
                      updated_at=datetime(2026, 1, 8, 9, 0))
        values.update(extra)
        _insert(conn, tb["goal"], **values)

    goal(p1, "mentee", 1, "UMENTEE1", "Use AI tools to draft my board updates", why="Save an hour a week",
         measure="Two updates drafted with AI", target_date=date(2026, 3, 31))
    goal(p1, "mentee", 2, "UMENTEE1", "Post on LinkedIn once a month")
    goal(p1, "mentor", 1, "UMENTOR1", "How budgets get decided")

    def checkin(pair_id: int, user: str, met: bool, **extra) -> None:
        values = dict(team_id=TEAM, pair_id=pair_id, user_id=user, cycle=1, kind="checkin", met=met,
                      usefulness=None, learned="", will_try="", blockers="", goal_progress={},
                      overall_usefulness=None, recommend=None, keep_meeting=None,
                      created_at=datetime(2026, 1, 16, 16, 0), updated_at=datetime(2026, 1, 16, 16, 0))
        values.update(extra)
        _insert(conn, tb["checkin"], **values)

    checkin(p1, "UMENTEE1", True, usefulness=5, learned="Prompt templates", goal_progress={"1": "some"})
    checkin(p1, "UMENTOR1", True, usefulness=4, will_try="Ask about the budget cycle")
    checkin(p2, "UMENTEE2", False, blockers="Quarter close")

    def sent(key: str, kind: str, channel: str, at: datetime, pair_id: int | None = None, cycle: int | None = None,
             status: str = "sent", error: str | None = None, user_id: str | None = None) -> None:
        _insert(conn, tb["sendledger"], team_id=TEAM, key=key, kind=kind, pair_id=pair_id, user_id=user_id,
                cycle=cycle, status=status, attempts=0 if status != "sent" else 1, in_doubt=False,
                claimed_at=at, sent_at=at if status == "sent" else None, channel_id=channel,
                payload={"channel": channel, "text": f"({key})", "blocks": []},
                message_ts=f"{int(at.timestamp())}.000100" if status == "sent" else None, error=error)

    for user in ("UMENTOR1", "UMENTEE1", "UMENTOR2", "UMENTEE2", "UMENTEE3", "UPOOL1", "ULEFT1"):
        sent(f"joined:{user}:2026-01-02T09:00:00+00:00", "joined", user, datetime(2026, 1, 2, 9, 0), user_id=user)
    for pid, channel in ((p1, channels[0]), (p2, channels[1]), (p3, "G0ENDED")):
        sent(f"intro:{pid}", "intro", channel, intro_at, pair_id=pid)
    sent(f"pair_ended:{p3}:partner", "pair_ended", "UMENTEE3", datetime(2026, 1, 9, 17, 0), pair_id=p3,
         user_id="UMENTEE3")
    for pid, channel in ((p1, channels[0]), (p2, channels[1])):
        sent(f"nudge:{pid}:1", "nudge", channel, datetime(2026, 1, 12, 10, 0), pair_id=pid, cycle=1)
        sent(f"feedback:{pid}:1", "feedback", channel, datetime(2026, 1, 16, 15, 0), pair_id=pid, cycle=1)
    sent(f"reminder:{p1}:1", "reminder", channels[0], datetime(2026, 1, 18, 15, 0), pair_id=p1, cycle=1,
         status="stale", error="skipped: both have already checked in")
    sent(f"reminder:{p2}:1", "reminder", channels[1], datetime(2026, 1, 18, 15, 0), pair_id=p2, cycle=1)
    sent(f"digest:{TEAM}:2026-W03", "digest", "", datetime(2026, 1, 12, 9, 0), status="stale",
         error="skipped: no pair has completed 2 cycles yet")
    return Program(pair_ids=(p1, p2, p3), channels=channels)


def dump(conn: Connection) -> dict[str, list[tuple]]:
    """Every row of every table but Alembic's own, in a stable order: to compare before and after."""
    meta = MetaData()
    meta.reflect(bind=conn)
    out = {}
    for name, table in sorted(meta.tables.items()):
        if name == "alembic_version":
            continue
        rows = conn.execute(select(table)).all()
        out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out

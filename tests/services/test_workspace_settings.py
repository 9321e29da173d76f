"""`python -m bot settings`: show and change a workspace's program settings."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlmodel import select

from bot import cli
from bot.delivery.dispatcher import Dispatcher
from bot.deps import build_deps
from bot.domain.schedule import Rhythm
from bot.services import rounds
from bot.services import workspace_settings as ps
from storage import schema
from storage.db import Database
from storage.models import ProgramSettings
from storage.repositories import settings as settings_repo
from tests.support.factories import started_pair
from tests.support.harness import Clock, make_settings

T = "T0001"
DEFAULTS = ProgramSettings(team_id=T).model_dump()


def rows(db) -> list[dict]:
    with db.session() as s:
        return [r.model_dump() for r in s.exec(select(ProgramSettings).order_by(ProgramSettings.team_id))]


def update(db, team_id: str = T, **options) -> ps.UpdateResult:
    return ps.update_settings(db, team_id=team_id, options=options)


# --- the service ---------------------------------------------------------------------------

def test_no_row_means_defaults_and_reading_writes_nothing(db):
    assert ps.get(db, team_id=T).model_dump() == DEFAULTS
    assert rows(db) == []


def test_setting_every_option_stores_them_all(db):
    result = update(db, length_weeks="8", cadence="Biweekly", nudge="tue 9:30", feedback="Thursday 16:45",
                    reminder_after_days="0", quiet_cycles="3", digest="Wed 08:00",
                    digest_timezone="europe/london", max_tz_diff_hours="4.5", allow_same_department="yes")
    assert result.problems == []
    expected = dict(team_id=T, length_weeks=8, cadence_weeks=2, nudge_weekday=1, nudge_time="09:30",
                    feedback_weekday=3, feedback_time="16:45", reminder_after_days=0, quiet_cycles=3,
                    digest_weekday=2, digest_time="08:00", digest_timezone="Europe/London",
                    max_tz_diff_hours=4.5, allow_same_department=True)
    assert rows(db) == [expected]
    assert result.settings.model_dump() == expected
    assert result.changed == ps.OPTION_NAMES


def test_a_second_change_keeps_the_other_values_and_reports_only_what_changed(db):
    update(db, length_weeks="8", allow_same_department="yes")
    result = update(db, length_weeks="8", quiet_cycles="4")
    assert result.changed == ("quiet_cycles",)
    assert rows(db) == [{**DEFAULTS, "length_weeks": 8, "allow_same_department": True, "quiet_cycles": 4}]


@pytest.mark.parametrize(
    "options, problem",
    [
        ({"length_weeks": "3"}, "--length-weeks must be a whole number from 4 to 52 (got '3')"),
        ({"length_weeks": "53"}, "--length-weeks must be a whole number from 4 to 52 (got '53')"),
        ({"length_weeks": "twelve"}, "--length-weeks must be a whole number from 4 to 52 (got 'twelve')"),
        ({"length_weeks": ""}, "--length-weeks must be a whole number from 4 to 52 (it is empty)"),
        ({"cadence": "monthly"}, "--cadence must be weekly, biweekly or per-pair (got 'monthly')"),
        ({"nudge": "Mon"}, "--nudge 'Mon' should be a weekday and a 24-hour time, like \"Mon 10:00\""),
        ({"nudge": "Mo 10:00"}, "--nudge 'Mo 10:00': 'Mo' isn't a weekday (use Mon, Tue, Wed, Thu, Fri, "
                                "Sat or Sun); for example \"Mon 10:00\""),
        ({"feedback": "Fri 3pm"}, "--feedback 'Fri 3pm': '3pm' isn't a 24-hour time (00:00 to 23:59); "
                                  "for example \"Mon 10:00\""),
        ({"feedback": "Fri 24:00"}, "--feedback 'Fri 24:00': '24:00' isn't a 24-hour time (00:00 to 23:59); "
                                    "for example \"Mon 10:00\""),
        ({"digest": "Someday 09:60"}, "--digest 'Someday 09:60': 'Someday' isn't a weekday (use Mon, Tue, "
                                      "Wed, Thu, Fri, Sat or Sun); '09:60' isn't a 24-hour time (00:00 to "
                                      "23:59); for example \"Mon 10:00\""),
        ({"reminder_after_days": "7"}, "--reminder-after-days must be a whole number from 0 to 6 (got '7')"),
        ({"reminder_after_days": "-1"}, "--reminder-after-days must be a whole number from 0 to 6 (got '-1')"),
        ({"quiet_cycles": "0"}, "--quiet-cycles must be a whole number from 1 to 6 (got '0')"),
        ({"quiet_cycles": "7"}, "--quiet-cycles must be a whole number from 1 to 6 (got '7')"),
        ({"digest_timezone": "Europe/Londn"},
         "--digest-timezone 'Europe/Londn' isn't an IANA time zone (did you mean 'Europe/London'?)"),
        ({"digest_timezone": "Nowhere"},
         "--digest-timezone 'Nowhere' isn't an IANA time zone (use a name such as Europe/London)"),
        ({"max_tz_diff_hours": "13"},
         "--max-tz-diff-hours must be a number of hours from 0 to 12, such as 6 or 4.5 (got '13')"),
        ({"max_tz_diff_hours": "nan"},
         "--max-tz-diff-hours must be a number of hours from 0 to 12, such as 6 or 4.5 (got 'nan')"),
        ({"max_tz_diff_hours": "-1"},
         "--max-tz-diff-hours must be a number of hours from 0 to 12, such as 6 or 4.5 (got '-1')"),
        ({"allow_same_department": "maybe"}, "--allow-same-department must be yes or no (got 'maybe')"),
        ({"length_weeks": "1_0"}, "--length-weeks must be a whole number from 4 to 52 (got '1_0')"),
        ({"length_weeks": "١٢"}, "--length-weeks must be a whole number from 4 to 52 (got '١٢')"),
        ({"max_tz_diff_hours": "1_0"},
         "--max-tz-diff-hours must be a number of hours from 0 to 12, such as 6 or 4.5 (got '1_0')"),
        ({"max_tz_diff_hours": "٣"},
         "--max-tz-diff-hours must be a number of hours from 0 to 12, such as 6 or 4.5 (got '٣')"),
        ({"max_tz_diff_hours": "1e1"},
         "--max-tz-diff-hours must be a number of hours from 0 to 12, such as 6 or 4.5 (got '1e1')"),
        ({"nudge": "Mon ١٠:٠٠"}, "--nudge 'Mon ١٠:٠٠': '١٠:٠٠' isn't a 24-hour time (00:00 to 23:59); "
                                 "for example \"Mon 10:00\""),
        ({"feedback": "Mon 10:00"}, "--feedback 'Mon 10:00' is the same slot as the nudge; the feedback "
                                    "prompt needs its own day or time, after the pair has had a chance to meet"),
        ({"nudge": "Fri 15:00"}, "--nudge 'Fri 15:00' is the same slot as the feedback prompt; the feedback "
                                 "prompt needs its own day or time, after the pair has had a chance to meet"),
        ({"nudge": "Wed 12:00", "feedback": "wednesday 12:00"},
         "--feedback 'Wed 12:00' is the same slot as the nudge; the feedback prompt needs its own day or "
         "time, after the pair has had a chance to meet"),
    ],
)
def test_each_bad_value_is_named_and_nothing_is_saved(db, options, problem):
    result = update(db, **options)
    assert result.problems == [problem]
    assert result.changed == ()
    assert rows(db) == []


def test_every_problem_is_listed_and_the_valid_values_are_not_saved_either(db):
    update(db, length_weeks="10", digest_timezone="Asia/Tokyo")
    before = rows(db)
    result = update(db, length_weeks="20", cadence="daily", nudge="Tue 11:00", quiet_cycles="9",
                    allow_same_department="yes")
    assert result.problems == [
        "--cadence must be weekly, biweekly or per-pair (got 'daily')",
        "--quiet-cycles must be a whole number from 1 to 6 (got '9')",
    ]
    assert rows(db) == before
    assert result.settings.length_weeks == 10  # what is stored, not what was asked


def test_the_slot_clash_is_checked_against_the_stored_feedback_slot(db):
    assert update(db, feedback="Wed 09:00").ok
    result = update(db, nudge="Wed 9:00", length_weeks="2")
    assert result.problems == [
        "--length-weeks must be a whole number from 4 to 52 (got '2')",
        "--nudge 'Wed 09:00' is the same slot as the feedback prompt; the feedback prompt needs its own "
        "day or time, after the pair has had a chance to meet",
    ]
    assert rows(db) == [{**DEFAULTS, "feedback_weekday": 2, "feedback_time": "09:00"}]


def test_a_slot_that_did_not_parse_is_not_also_reported_as_a_clash(db):
    result = update(db, nudge="Fri 15:00", feedback="Fri 25:00")
    assert len(result.problems) == 1 and result.problems[0].startswith("--feedback 'Fri 25:00'")


def test_each_workspace_has_its_own_settings(db):
    assert update(db, team_id="T0001", length_weeks="6").ok
    assert update(db, team_id="T0002", cadence="biweekly").ok
    assert ps.get(db, team_id="T0001").model_dump() == {**DEFAULTS, "length_weeks": 6}
    assert ps.get(db, team_id="T0002").model_dump() == {**DEFAULTS, "team_id": "T0002", "cadence_weeks": 2}
    assert ps.get(db, team_id="T0003").model_dump() == {**DEFAULTS, "team_id": "T0003"}


def test_the_readers_of_the_settings_see_the_new_values(db):
    assert update(db, length_weeks="8", cadence="biweekly", nudge="Thu 11:00", feedback="Tue 16:00",
                  reminder_after_days="1", max_tz_diff_hours="3", allow_same_department="yes").ok
    with db.session() as s:
        stored = settings_repo.get(s, team_id=T)
        matching = rounds.snapshot(s, team_id=T, now=datetime(2026, 1, 7, 12, 0, tzinfo=UTC)).rules
    assert Rhythm.from_settings(stored) == Rhythm(
        length_weeks=8, cadence_weeks=2, nudge_weekday=3, nudge_time=time(11, 0),
        feedback_weekday=1, feedback_time=time(16, 0), reminder_after_days=1)
    assert (matching.max_tz_diff_hours, matching.allow_same_department) == (3, True)


def test_the_dispatcher_follows_the_new_rhythm(db, fake_slack):
    """Introduced Wed 7 Jan 2026 (London = UTC in January). With the default Monday nudge nothing
    is due on Thursday 8 Jan; with a Thursday 11:00 nudge, cycle 1's nudge is due then."""
    started_pair(db, fake_slack, team_id=T, introduced_at=datetime(2026, 1, 7, 12, 0, tzinfo=UTC))
    deps = build_deps(make_settings(fake_slack, db.url), db, clock=Clock())
    thursday = datetime(2026, 1, 8, 11, 0, tzinfo=UTC)

    def due() -> list[tuple[str, int]]:
        (team,) = Dispatcher(deps, team_id=T).plan(thursday).teams
        return [(item.kind, item.cycle) for item in team.due]

    assert due() == []
    assert update(db, nudge="Thu 11:00").ok
    assert due() == [("nudge", 1)]


# --- display -------------------------------------------------------------------------------

def test_defaults_are_marked_and_changes_are_marked():
    row = ProgramSettings(team_id=T, length_weeks=8, reminder_after_days=0)
    text = ps.format_settings(row, changed=("reminder_after_days",))
    lines = {line.split()[0]: line for line in text.splitlines()}
    assert list(lines) == [ps.flag(o) for o in ps.OPTION_NAMES]
    assert "8 weeks" in lines["--length-weeks"] and "(default)" not in lines["--length-weeks"]
    assert "0 (no reminder)" in lines["--reminder-after-days"] and "(changed)" in lines["--reminder-after-days"]
    assert "per-pair (the slower of the two people's choices)" in lines["--cadence"]
    assert "(default)" in lines["--cadence"]
    assert "Fri 15:00" in lines["--feedback"] and "(default)" in lines["--feedback"]


# --- the command ---------------------------------------------------------------------------

@pytest.fixture
def env(clean_cli_env):
    """A clean environment: a temp SQLite database, no team, and no .env file read."""
    return clean_cli_env


def stored(url: str) -> list[dict]:
    database = Database(url)
    schema.upgrade(database)
    try:
        return rows(database)
    finally:
        database.dispose()


def test_cli_shows_the_defaults(env, capsys):
    assert cli.main(["settings", "--team", "T0123ABCD"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Program settings for workspace T0123ABCD:"
    assert len(lines) == 11 and all("(default)" in line for line in lines[1:])
    assert "Mon 10:00" in lines[3] and lines[3].split()[0] == "--nudge"
    assert stored(env) == []


def test_cli_sets_values_and_prints_the_new_settings(env, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_TEAM_ID", "T0123ABCD")
    assert cli.main(["settings", "--cadence", "biweekly", "--nudge", "Tue 09:00",
                     "--allow-same-department", "yes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Saved: 3 settings changed for workspace T0123ABCD. Prompts not yet sent follow "
                          "the new rhythm; those already sent stay as they were.\n")
    assert "Tue 09:00" in out and "biweekly" in out
    assert stored(env) == [{**DEFAULTS, "team_id": "T0123ABCD", "cadence_weeks": 2, "nudge_weekday": 1,
                            "nudge_time": "09:00", "allow_same_department": True}]

    assert cli.main(["settings", "--quiet-cycles", "3"]) == 0
    assert capsys.readouterr().out.startswith("Saved: 1 setting changed for workspace T0123ABCD.\n")
    assert cli.main(["settings"]) == 0
    shown = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "biweekly" in shown["--cadence"] and "(default)" not in shown["--cadence"]
    assert "3 cycles" in shown["--quiet-cycles"] and "(default)" in shown["--length-weeks"]


def test_cli_lists_every_problem_and_changes_nothing(env, capsys):
    assert cli.main(["settings", "--team", "T1", "--length-weeks", "6"]) == 0
    capsys.readouterr()
    before = stored(env)
    assert cli.main(["settings", "--team", "T1", "--length-weeks", "60", "--nudge", "Mon 10",
                     "--digest-timezone", "Mars/Base", "--quiet-cycles", "2"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "Nothing was changed for workspace T1; please fix the following and run it again:\n"
        "  --length-weeks must be a whole number from 4 to 52 (got '60')\n"
        "  --nudge 'Mon 10': '10' isn't a 24-hour time (00:00 to 23:59); for example \"Mon 10:00\"\n"
        "  --digest-timezone 'Mars/Base' isn't an IANA time zone (use a name such as Europe/London)\n"
    )
    assert stored(env) == before


def test_cli_without_a_team(env, capsys):
    assert cli.main(["settings", "--length-weeks", "6"]) == 2
    err = capsys.readouterr().err
    assert "--team T0123ABCD" in err and "SLACK_TEAM_ID" in err
    assert cli.main(["settings", "--team", "acme"]) == 2
    assert "'acme' doesn't look like a Slack team ID" in capsys.readouterr().err
    assert stored(env) == []


def test_cli_help_says_what_a_rhythm_change_affects(capsys):
    with pytest.raises(SystemExit):
        cli.main(["settings", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "applies to prompts not yet sent" in out and "the send ledger keeps what went out" in out
    for option in ps.OPTION_NAMES:
        assert ps.flag(option) in out

from __future__ import annotations

import pytest
from sqlmodel import select

from bot import cli
from bot.services.people_import import ImportResult, import_participants, parse_csv, summary
from storage import schema
from storage.db import Database
from storage.models import PARTICIPANT_ACTIVE, PARTICIPANT_LEFT, PARTICIPANT_PAUSED, Participant
from storage.repositories import participants as repo
from tests.support.factories import participant_create

HEADER = "slack_user_id,name,side,skills_share,skills_learn,seniority_years,department,timezone"
MENTOR = "U001,Ana Diaz,mentor,ai_tools,,2,Marketing,Europe/Madrid"
MENTEE = "U002,Bo Berg,mentee,,leadership;prompting,25,Finance,Europe/Stockholm"


def csv_of(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def only_problems(text: str) -> list[str]:
    rows, problems = parse_csv(text)
    assert rows == []
    return problems


# --- parsing -------------------------------------------------------------------------------

def test_a_good_excel_export_parses():
    text = (
        "\ufeffSlack_User_ID, name ,side,skills_share,skills_learn,seniority_years,department,"
        "timezone,capacity,manager_slack_id\r\n"
        'U001, Ana  Diaz ,Mentor," ai tools (chatgpt, copilot) ; Excel & Spreadsheets ;",,2,'
        " Marketing  EU ,Europe/Madrid,3,\r\n"
        "\r\n"
        "W002,Bo Berg,either,agile,LEADING PEOPLE; career,25,Finance,europe/stockholm,,U001\r\n"
        ",,,,,,,,,\r\n"
    )
    rows, problems = parse_csv(text)
    assert problems == []
    ana, bo = rows
    assert (ana.line, ana.slack_user_id, ana.name, ana.side) == (2, "U001", "Ana Diaz", "mentor")
    assert ana.skills_share == ["ai_tools", "spreadsheets"] and ana.skills_learn == []
    assert (ana.seniority_years, ana.department, ana.timezone) == (2, "Marketing EU", "Europe/Madrid")
    assert (ana.capacity, ana.manager_slack_id) == (3, None)
    assert (bo.line, bo.side, bo.skills_share, bo.skills_learn) == (4, "either", ["agile"],
                                                                      ["career", "leadership"])
    assert (bo.timezone, bo.capacity, bo.manager_slack_id) == ("Europe/Stockholm", 1, "U001")


def test_a_mentee_capacity_is_always_one():
    rows, _ = parse_csv(csv_of("U002,Bo,mentee,,career,25,Finance,UTC,4", header=HEADER + ",capacity"))
    assert rows[0].capacity == 1


@pytest.mark.parametrize(
    "line, problem",
    [
        ("U001,Ana,mentor,,career,2,Marketing,UTC", "a mentor needs at least one skill in skills_share"),
        ("U001,Ana,mentee,ai_tools,,2,Marketing,UTC", "a mentee needs at least one skill in skills_learn"),
        ("U001,Ana,either,ai_tools, ; ,2,Marketing,UTC",
         "someone with side 'either' needs at least one skill in skills_learn"),
        ("U001,Ana,boss,ai_tools,,2,Marketing,UTC", "side must be mentor, mentee or either (got 'boss')"),
        ("U001,Ana,mentor,Excell;ai_tools,,2,Marketing,UTC",
         "unknown skill 'Excell' in skills_share (did you mean 'spreadsheets'?)"),
        ("U001,Ana,mentor,basket weaving,,2,Marketing,UTC", "unknown skill 'basket weaving' in skills_share"),
        ("ana.diaz,Ana,mentor,ai_tools,,2,Marketing,UTC",
         "slack_user_id 'ana.diaz' doesn't look like a Slack member ID (like U0123ABCD)"),
        (",Ana,mentor,ai_tools,,2,Marketing,UTC", "slack_user_id is empty"),
        ("U001,Ana,mentor,ai_tools,,61,Marketing,UTC",
         "seniority_years must be a whole number from 0 to 60 (got '61')"),
        ("U001,Ana,mentor,ai_tools,,two,Marketing,UTC",
         "seniority_years must be a whole number from 0 to 60 (got 'two')"),
        ("U001,Ana,mentor,ai_tools,,,Marketing,UTC",
         "seniority_years must be a whole number from 0 to 60 (it is empty)"),
        ("U001,Ana,mentor,ai_tools,,1_0,Marketing,UTC",
         "seniority_years must be a whole number from 0 to 60 (got '1_0')"),
        ("U001,Ana,mentor,ai_tools,,٣,Marketing,UTC",
         "seniority_years must be a whole number from 0 to 60 (got '٣')"),
        ("U001,Ana,mentor,ai_tools,,+3,Marketing,UTC",
         "seniority_years must be a whole number from 0 to 60 (got '+3')"),
        ("U001,Ana,mentor,ai_tools,,2,  ,UTC", "department is empty"),
        (f"U001,Ana,mentor,ai_tools,,2,{'x' * 81},UTC", "department is longer than 80 characters"),
        (f"U001,{'n' * 121},mentor,ai_tools,,2,Marketing,UTC", "name is longer than 120 characters"),
        ("U001,Ana,mentor,ai_tools,,2,Marketing,Europe/Londn",
         "timezone 'Europe/Londn' isn't an IANA time zone (did you mean 'Europe/London'?)"),
        ("U001,Ana,mentor,ai_tools,,2,Marketing,", "timezone is empty (use an IANA name such as Europe/London)"),
        ("U001,Ana,mentor,ai_tools,,2,Marketing,UTC,extra",
         "this line has 9 values but the header has 8 columns"),
    ],
)
def test_each_kind_of_bad_row_is_named(line, problem):
    assert only_problems(csv_of(MENTOR.replace("U001", "U009"), line)) == [f"line 3: {problem}"]


@pytest.mark.parametrize(
    "optional, problem",
    [
        ("0,", "capacity must be a whole number from 1 to 5 (got '0')"),
        ("6,", "capacity must be a whole number from 1 to 5 (got '6')"),
        ("1,bob", "manager_slack_id 'bob' doesn't look like a Slack member ID (like U0123ABCD)"),
        ("1,U001", "manager_slack_id is the person themselves"),
    ],
)
def test_optional_columns_are_checked(optional, problem):
    text = csv_of(f"{MENTOR},{optional}", header=HEADER + ",capacity,manager_slack_id")
    assert only_problems(text) == [f"line 2: {problem}"]


def test_several_problems_on_a_line_are_joined():
    problems = only_problems(csv_of("U001,Ana,mentor,,,99,,Mars/Base"))
    assert problems == [
        "line 2: a mentor needs at least one skill in skills_share; "
        "seniority_years must be a whole number from 0 to 60 (got '99'); department is empty; "
        "timezone 'Mars/Base' isn't an IANA time zone (use a name such as Europe/London)"
    ]


def test_every_bad_row_is_reported_with_its_physical_line():
    text = csv_of(
        MENTOR,
        "U002,Bo,mentee,,nope,25,Finance,UTC",
        "",  # a blank line still counts
        '"U003","Cy, with a\nline break",mentor,agile,,3,Sales,UTC',
        "U004,Di,mentor,agile,,3,Sales,Nowhere",
        "U001,Ana again,mentor,agile,,3,Sales,UTC",
        "U005,Ed,mentee,,career,30,Legal,UTC",
    )
    assert only_problems(text) == [
        "line 3: unknown skill 'nope' in skills_learn",
        "line 7: timezone 'Nowhere' isn't an IANA time zone (use a name such as Europe/London)",
        "line 8: U001 is already on line 2",
    ]


def test_unknown_columns_are_named():
    text = csv_of(MENTOR + ",x,y", header=HEADER + ",email,Team Lead")
    assert only_problems(text) == [
        "line 1: unknown columns 'email', 'team_lead'; the columns are slack_user_id, name, side, "
        "skills_share, skills_learn, seniority_years, department, timezone and optionally "
        "capacity, manager_slack_id"
    ]


def test_missing_columns_are_named():
    header = "slack_user_id,name,side,skills_share,skills_learn,department"
    assert only_problems(csv_of("U001,Ana,mentor,ai_tools,,Marketing", header=header)) == [
        "line 1: missing columns 'seniority_years', 'timezone'"
    ]


def test_a_repeated_column_is_an_error():
    assert only_problems(csv_of(MENTOR + ",Ana", header=HEADER + ",name")) == [
        "line 1: column 'name' appears more than once"
    ]


@pytest.mark.parametrize("text", ["", "\ufeff", "\r\n \n"])
def test_an_empty_file(text):
    (problem,) = only_problems(text)
    assert problem.startswith("the file is empty; it needs a header row naming the columns (slack_user_id,")


def test_a_file_without_a_header():
    (problem,) = only_problems(MENTOR + "\n" + MENTEE + "\n")
    assert problem.startswith("line 1: the first line should be a header naming the columns (")


def test_a_semicolon_separated_file_gets_a_hint():
    (problem,) = only_problems(HEADER.replace(",", ";") + "\n" + MENTOR.replace(",", ";") + "\n")
    assert "separated by semicolons" in problem


def test_a_header_alone_is_nobody_to_import():
    assert only_problems(HEADER + "\n") == ["line 1: there is a header but nobody to import below it"]


# --- storing -------------------------------------------------------------------------------

def test_import_creates_then_updates_the_same_people(db):
    rows, _ = parse_csv(csv_of(MENTOR, MENTEE))
    assert import_participants(db, team_id="T1", rows=rows) == ImportResult(created=2, updated=0)

    rows, _ = parse_csv(csv_of(MENTOR.replace("Marketing", "Brand"), MENTEE,
                               "U003,Cy,mentor,agile,,3,Sales,UTC"))
    assert import_participants(db, team_id="T1", rows=rows) == ImportResult(created=1, updated=2)

    with db.session() as s:
        people = repo.list_for_team(s, team_id="T1")
    assert [(p.slack_user_id, p.department) for p in people] == [
        ("U001", "Brand"), ("U002", "Finance"), ("U003", "Sales")
    ]
    assert people[1].skills_learn == ["leadership", "prompting"]
    assert people[1].timezone == "Europe/Stockholm"


def test_import_keeps_what_the_file_does_not_carry(db):
    with db.session() as s:
        repo.upsert(s, data=participant_create(
            team_id="T1", slack_user_id="U001", name="Ana D.", meeting_mode="chat",
            meeting_frequency="biweekly", intro="Hi!", capacity=3, manager_slack_id="U777",
        ))
    rows, _ = parse_csv(csv_of("U001,,mentor,agile,,2,Marketing,UTC", MENTEE))
    assert import_participants(db, team_id="T1", rows=rows) == ImportResult(created=1, updated=1)

    with db.session() as s:
        ana = repo.get(s, team_id="T1", user_id="U001")
        bo = repo.get(s, team_id="T1", user_id="U002")
    assert ana.status == PARTICIPANT_ACTIVE
    assert (ana.name, ana.meeting_mode, ana.meeting_frequency, ana.intro) == ("Ana D.", "chat", "biweekly", "Hi!")
    assert (ana.capacity, ana.manager_slack_id) == (3, "U777")  # no such columns in the file
    assert ana.skills_share == ["agile"] and ana.department == "Marketing"
    assert (bo.meeting_mode, bo.meeting_frequency, bo.intro, bo.capacity) == ("video", "weekly", "", 1)


def test_people_who_left_are_skipped_not_updated_or_brought_back(db):
    with db.session() as s:
        repo.upsert(s, data=participant_create(team_id="T1", slack_user_id="U001", department="Legal",
                                               skills_share=["leadership"]))
        left = repo.mark_left(s, team_id="T1", user_id="U001")
        left_at, updated_at = left.left_at, left.updated_at
    rows, _ = parse_csv(csv_of(MENTOR, MENTEE))
    assert import_participants(db, team_id="T1", rows=rows) == ImportResult(created=1, updated=0,
                                                                            left=("U001",))
    with db.session() as s:
        ana = repo.get(s, team_id="T1", user_id="U001")
        bo = repo.get(s, team_id="T1", user_id="U002")
        pool = repo.matchable_rows(s, team_id="T1", today=ana.left_at.date())
    assert (ana.status, ana.left_at, ana.updated_at) == (PARTICIPANT_LEFT, left_at, updated_at)
    assert (ana.department, ana.skills_share) == ("Legal", ["leadership"])  # untouched
    assert bo.status == PARTICIPANT_ACTIVE
    assert [p.slack_user_id for p in pool] == ["U002"]


def test_paused_people_are_updated_and_stay_paused(db):
    from datetime import date

    with db.session() as s:
        repo.upsert(s, data=participant_create(team_id="T1", slack_user_id="U001", department="Legal"))
        repo.set_paused(s, team_id="T1", user_id="U001", until=date(2026, 9, 1))
    rows, _ = parse_csv(csv_of(MENTOR))
    assert import_participants(db, team_id="T1", rows=rows) == ImportResult(created=0, updated=1)
    with db.session() as s:
        ana = repo.get(s, team_id="T1", user_id="U001")
    assert (ana.status, ana.paused_until, ana.department) == (PARTICIPANT_PAUSED, date(2026, 9, 1), "Marketing")


def test_the_summary_counts_and_lists_leavers():
    assert summary(ImportResult(created=1)) == "Imported 1 person: 1 new, 0 updated."
    assert summary(ImportResult(created=100, updated=18, left=("U001", "U002"))) == (
        "Imported 120 people: 100 new, 18 updated; 2 skipped because they left the program "
        "(they can rejoin with /mentoring join).\n"
        "Not updated (left the program): U001, U002."
    )
    many = tuple(f"U{n:03d}" for n in range(25))
    assert summary(ImportResult(left=many)).endswith(
        "Not updated (left the program): " + ", ".join(many[:20]) + " and 5 more."
    )


def test_optional_columns_in_the_file_replace_stored_values(db):
    with db.session() as s:
        repo.upsert(s, data=participant_create(team_id="T1", slack_user_id="U001", capacity=3,
                                               manager_slack_id="U777"))
    rows, _ = parse_csv(csv_of(MENTOR + ",,", header=HEADER + ",capacity,manager_slack_id"))
    import_participants(db, team_id="T1", rows=rows)
    with db.session() as s:
        ana = repo.get(s, team_id="T1", user_id="U001")
    assert (ana.capacity, ana.manager_slack_id) == (1, None)


def test_each_batch_is_one_transaction_and_importing_again_completes_an_interrupted_import(db, monkeypatch):
    """Rows are written a batch per transaction (so other writers never wait long): a failure
    keeps the batches already written, loses nothing half-written, and a second run completes it."""
    rows, _ = parse_csv(csv_of(MENTOR, MENTEE, "U003,Cy,mentor,agile,,3,Sales,UTC", "U004,Di,mentee,,career,20,HR,UTC"))
    real_insert = repo.insert_many
    calls = []

    def failing_on_second_batch(session, *, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            real_insert(session, rows=rows[:1])  # half of the batch is written... then it fails
            raise RuntimeError("the database went away")
        return real_insert(session, rows=rows)

    monkeypatch.setattr(repo, "insert_many", failing_on_second_batch)
    with pytest.raises(RuntimeError):
        import_participants(db, team_id="T1", rows=rows, batch=2)
    with db.session() as s:
        assert [p.slack_user_id for p in repo.list_for_team(s, team_id="T1")] == ["U001", "U002"]
    monkeypatch.undo()
    result = import_participants(db, team_id="T1", rows=rows, batch=2)
    assert (result.created, result.updated) == (2, 2)
    with db.session() as s:
        assert [p.slack_user_id for p in repo.list_for_team(s, team_id="T1")] == ["U001", "U002", "U003", "U004"]


# --- the command ---------------------------------------------------------------------------

@pytest.fixture
def env(clean_cli_env):
    """A clean environment: a temp SQLite database, no team, and no .env file read."""
    return clean_cli_env


def write(tmp_path, content: str | bytes, name: str = "people.csv") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return str(path)


def stored(url: str) -> list[Participant]:
    database = Database(url)
    schema.upgrade(database)
    try:
        with database.session() as s:
            return list(s.exec(select(Participant).order_by(Participant.slack_user_id)))
    finally:
        database.dispose()


def test_cli_imports_then_updates(tmp_path, env, capsys):
    path = write(tmp_path, "\ufeff" + csv_of(MENTOR, MENTEE).replace("\n", "\r\n"))
    assert cli.main(["import", path, "--team", "T1"]) == 0
    assert capsys.readouterr().out == "Imported 2 people: 2 new, 0 updated.\n"

    path = write(tmp_path, csv_of(MENTOR, MENTEE, "U003,Cy,mentor,agile,,3,Sales,UTC"))
    assert cli.main(["import", path, "--team", "T1"]) == 0
    assert capsys.readouterr().out == "Imported 3 people: 1 new, 2 updated.\n"
    assert [(p.team_id, p.slack_user_id) for p in stored(env)] == [("T1", "U001"), ("T1", "U002"), ("T1", "U003")]


def test_cli_reads_the_team_from_the_environment(tmp_path, env, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_TEAM_ID", "T0123ABCD")
    assert cli.main(["import", write(tmp_path, csv_of(MENTOR))]) == 0
    assert capsys.readouterr().out == "Imported 1 person: 1 new, 0 updated.\n"
    assert [p.team_id for p in stored(env)] == ["T0123ABCD"]


def test_cli_without_a_team_explains_both_options(tmp_path, env, capsys):
    assert cli.main(["import", write(tmp_path, csv_of(MENTOR))]) == 2
    err = capsys.readouterr().err
    assert "--team T0123ABCD" in err and "SLACK_TEAM_ID" in err


def test_cli_rejects_a_malformed_team(tmp_path, env, capsys):
    assert cli.main(["import", write(tmp_path, csv_of(MENTOR)), "--team", "acme"]) == 2
    assert "'acme' doesn't look like a Slack team ID" in capsys.readouterr().err


def test_cli_bad_row_imports_nobody(tmp_path, env, capsys):
    path = write(tmp_path, csv_of(MENTOR, MENTEE, "U003,Cy,mentor,,,3,Sales,UTC", "U004,Di,mentee,,x,3,HR,UTC"))
    assert cli.main(["import", path, "--team", "T1"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"Nothing was imported from {path}; please fix the following and run it again:\n"
        "  line 4: a mentor needs at least one skill in skills_share\n"
        "  line 5: unknown skill 'x' in skills_learn\n"
    )
    assert stored(env) == []


def test_cli_missing_file(tmp_path, env, capsys):
    path = str(tmp_path / "nope.csv")
    assert cli.main(["import", path, "--team", "T1"]) == 1
    assert capsys.readouterr().err == f"Can't find {path}; check the path and try again.\n"


def test_cli_non_utf8_file(tmp_path, env, capsys):
    path = write(tmp_path, csv_of(MENTOR, "U002,Zoë,mentee,,career,25,Finance,UTC").encode("cp1252"))
    assert cli.main(["import", path, "--team", "T1"]) == 1
    err = capsys.readouterr().err
    assert "isn't UTF-8 text (unexpected byte 0xeb on line 3)" in err and "CSV UTF-8" in err
    assert stored(env) == []


def test_cli_empty_file(tmp_path, env, capsys):
    assert cli.main(["import", write(tmp_path, ""), "--team", "T1"]) == 1
    assert "the file is empty" in capsys.readouterr().err


def test_cli_skips_a_person_who_left(tmp_path, env, capsys):
    path = write(tmp_path, csv_of(MENTOR, MENTEE))
    assert cli.main(["import", path, "--team", "T1"]) == 0
    capsys.readouterr()
    database = Database(env)
    with database.session() as s:
        repo.mark_left(s, team_id="T1", user_id="U001")
    database.dispose()
    before = stored(env)[0]
    assert before.status == PARTICIPANT_LEFT

    path = write(tmp_path, csv_of(MENTOR.replace("Marketing", "Brand"), MENTEE))
    assert cli.main(["import", path, "--team", "T1"]) == 0
    assert capsys.readouterr().out == (
        "Imported 2 people: 0 new, 1 updated; 1 skipped because they left the program "
        "(they can rejoin with /mentoring join).\n"
        "Not updated (left the program): U001.\n"
    )
    ana, bo = stored(env)
    assert (ana.status, ana.department, ana.left_at) == (PARTICIPANT_LEFT, "Marketing", before.left_at)
    assert bo.status == PARTICIPANT_ACTIVE


def test_cli_help_says_leavers_are_skipped(capsys):
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "People who left the program are skipped" in out and "/mentoring join" in out

"""Command line: run the bot, and the tools that work without Slack."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot import runtime
from bot.blocks.export import WRITERS
from bot.blocks.report import report_text
from bot.blocks.rounds import percent, stopped_early_text
from bot.delivery import notes
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.outbox import Outbox
from bot.deps import build_deps
from bot.domain.catalog import SKILLS
from bot.domain.matching import Proposal
from bot.services import export as export_service
from bot.services import onboarding, people_import, rounds, skills, workspace_settings
from bot.services import report as report_service
from bot.services.people_import import valid_team_id, valid_user_id
from bot.services.rounds import Snapshot
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.admin import AdminDirectory
from storage import schema
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger("bot")


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _settings_or_exit(*, require_slack: bool) -> Settings:
    try:
        return load_settings(require_slack=require_slack)
    except SettingsError as e:
        print(e, file=sys.stderr)
        raise SystemExit(2) from None


def _where(settings: Settings) -> str:
    return settings.database_url.split("@")[-1]


def _first_line(e: Exception) -> str:
    return str(getattr(e, "orig", None) or e).splitlines()[0]


# What a command prints when the database fails it; {where}, {kind} and {error} are filled in.
_READ_FAILED = "Can't read {what} from the database ({where}): {error}."
_CHANGE_FAILED = "Nothing was changed: the database ({where}) refused ({kind}: {error})."


def _with_database(settings: Settings, work, failed: str, **words):
    """(True, work(db)) on a fresh connection, closed after; on a database error, `failed`
    (with `words`) is printed and (False, None) returned."""
    db = open_database(settings)
    try:
        return True, work(db)
    except SQLAlchemyError as e:
        print(failed.format(where=_where(settings), kind=type(e).__name__, error=_first_line(e), **words),
              file=sys.stderr)
        return False, None
    finally:
        db.dispose()


def migrated_database(settings: Settings) -> tuple[Database, schema.Migration]:
    """The database, brought up to date (storage/schema.py), and what that took. Exits with a
    clear message, having changed nothing, when it can't be reached or its schema can't be
    brought up to date."""
    db = Database(settings.database_url)
    try:
        return db, schema.upgrade(db)
    except schema.SchemaError as e:
        db.dispose()
        print(e, file=sys.stderr)
        raise SystemExit(2) from None
    except (SQLAlchemyError, OSError) as e:
        db.dispose()
        print(f"The bot can't reach its database ({_where(settings)}): {_first_line(e)}", file=sys.stderr)
        raise SystemExit(2) from None


def open_database(settings: Settings, *, announce=None) -> Database:
    """`migrated_database`, telling `announce(text)` what was migrated (default: stderr)."""
    db, result = migrated_database(settings)
    if result.changed:
        (announce or (lambda text: print(text, file=sys.stderr)))(result.summary())
    return db


def cmd_run(_args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_slack=True)
    _configure_logging(settings.log_level)
    db = open_database(settings, announce=log.info)
    return runtime.run(settings, db)


MIGRATE_HELP = """\
Bring the database's schema up to date and say what was done; the bot also does this each time
it starts, so this is for deploy pipelines that migrate as a step of their own. Safe to run
while other copies of the bot start: one migrates, the others wait.

A database made before migrations existed (release d4ae0dc) is recognised by its tables and
stamped at the baseline first, without touching its data. A database that a newer release has
upgraded is refused, untouched.

  --sql   print the SQL an upgrade would run, without running it (the database is only read)
"""


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_slack=False)
    if args.sql:
        db = Database(settings.database_url)
        try:
            print(schema.upgrade_sql(db), end="")
        except schema.SchemaError as e:
            print(e, file=sys.stderr)
            return 2
        except (SQLAlchemyError, OSError) as e:
            print(f"Can't read the database ({_where(settings)}): {_first_line(e)}", file=sys.stderr)
            return 2
        finally:
            db.dispose()
        return 0
    db, result = migrated_database(settings)
    db.dispose()
    print(result.summary())
    return 0


IMPORT_HELP = """\
Sign people up in bulk from a CSV file (UTF-8; Excel's "CSV UTF-8" works).

Columns (header row required, any order):
  slack_user_id     member ID such as U0123ABCD (Slack profile > ... > Copy member ID)
  name              display name
  side              mentor, mentee or either
  skills_share      skills separated by ";" (keys or labels, see below); a mentor needs one
  skills_learn      skills separated by ";"; a mentee needs one; "either" needs both lists
  seniority_years   whole number from 0 to 60
  department        up to 80 characters
  timezone          IANA name such as Europe/London
  capacity          optional: how many mentees a mentor can take, 1 to 5 (default 1)
  manager_slack_id  optional: member ID of the person's manager

The import is all or nothing: if any line has a problem, every problem is listed and
nobody is imported. A good file is written 2,000 people at a time, so the bot keeps answering
people during a large import; if it is interrupted, run it again to complete it. People already signed up are updated (matched on Slack member ID);
their meeting mode, frequency and intro are kept; paused people stay paused. People who
left the program are skipped, neither updated nor brought back into the pool (leaving was
their choice): they are counted and listed, and can rejoin with /mentoring join.

Skill keys:
{skills}
"""


def _team_or_none(args: argparse.Namespace, *, question: str = "Which workspace?") -> str | None:
    """The workspace from --team or $SLACK_TEAM_ID; None (having said why) when missing or malformed."""
    team_id = (args.team or os.environ.get("SLACK_TEAM_ID") or "").strip()
    if not team_id:
        print(f"{question} Pass --team T0123ABCD, or set SLACK_TEAM_ID in the environment or .env "
              "(the ID is in the workspace URL: app.slack.com/client/T...).", file=sys.stderr)
        return None
    if not valid_team_id(team_id):
        print(f"'{team_id}' doesn't look like a Slack team ID (like T0123ABCD).", file=sys.stderr)
        return None
    return team_id


def _skill_catalog(settings: Settings, team_id: str):
    """The workspace's skill catalog as the database holds it now, read without migrating or
    creating anything (a database with no catalog yet, or none at all: the built-in one)."""
    url = settings.database_url
    if url.startswith("sqlite") and not os.path.exists(url.split("///", 1)[-1]):
        return None
    db = Database(url)
    try:
        return skills.catalog_for(db, team_id=team_id)
    except SQLAlchemyError:
        return None
    finally:
        db.dispose()


def cmd_import(args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_slack=False)
    team_id = _team_or_none(args, question="Which workspace are these people in?")
    if team_id is None:
        return 2

    try:
        with open(args.file, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        print(f"Can't find {args.file}; check the path and try again.", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"Can't read {args.file}: {e.strerror or e}.", file=sys.stderr)
        return 1
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        print(f"{args.file} isn't UTF-8 text (unexpected byte 0x{raw[e.start]:02x} on line {line}). "
              'In Excel, use Save As > "CSV UTF-8 (Comma delimited)" and import that file.',
              file=sys.stderr)
        return 1

    # The workspace's own skill catalog: its skills by key or name, case-insensitively.
    rows, problems = people_import.parse_csv(text, skills=_skill_catalog(settings, team_id))
    if problems:
        print(f"Nothing was imported from {args.file}; please fix the following and run it again:",
              file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1

    ok, result = _with_database(
        settings, lambda db: people_import.import_participants(db, team_id=team_id, rows=rows),
        "Nothing was imported: the database refused the data ({kind}: {error}).")
    if not ok:
        return 1
    print(people_import.summary(result))
    return 0


TICK_HELP = """\
Run the prompt dispatcher once and exit: send the program's nudges, feedback prompts,
reminders, final surveys, closing messages and the admins' weekly digest that are due now,
exactly once each (the send ledger remembers what already went out), and record what is too
late to send. For cron-style deployments and for catching up after downtime.

  --at 2026-03-02T10:00:00+00:00   act as of that moment (an offset or a trailing Z is required)

--at sends for real what is due at that moment, and uses up those prompts: a future moment
sends early what would have gone out then. While the bot itself is running, leave --at out.
"""


def _parse_at(text: str):
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        return None, (f"--at '{text}' isn't an ISO-8601 date and time; use for example "
                      "2026-03-02T10:00:00+00:00 or 2026-03-02T10:00Z.")
    if at.tzinfo is None or at.utcoffset() is None:
        return None, (f"--at '{text}' has no time zone, so it could be any of 24 moments; add an "
                      "offset or Z, for example 2026-03-02T10:00:00+00:00 or 2026-03-02T10:00Z.")
    return at, None


def cmd_tick(args: argparse.Namespace) -> int:
    at = None
    if args.at is not None:
        at, problem = _parse_at(args.at)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    team_id = (args.team or "").strip() or None
    if team_id:
        if not valid_team_id(team_id):
            print(f"'{team_id}' doesn't look like a Slack team ID (like T0123ABCD).", file=sys.stderr)
            return 2
    settings = _settings_or_exit(require_slack=True)
    _configure_logging(settings.log_level)

    ok, report = _with_database(
        settings, lambda db: Dispatcher(build_deps(settings, db), team_id=team_id).tick(at),
        "The dispatcher can't use its database ({where}): {error}")
    if not ok:
        return 1
    print(report.summary())
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    if not args.dry_run:
        print("Matching rounds are previewed and confirmed in Slack: run `/mentoring match` in the admin "
              "channel. Add --dry-run to see the proposal for the current pool here.", file=sys.stderr)
        return 2
    settings = _settings_or_exit(require_slack=False)
    team_id = _team_or_none(args)
    if team_id is None:
        return 2
    ok, found = _with_database(settings, lambda db: rounds.dry_run(db, team_id=team_id, now=utcnow()),
                               _READ_FAILED, what="the pool")
    if not ok:
        return 1
    proposal, snap = found
    if args.json:
        print(json.dumps(proposal.to_json_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_dry_run(proposal, snap, team_id=team_id))
    return 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_dry_run(proposal: Proposal, snap: Snapshot, *, team_id: str) -> str:
    """A readable table of pairs with reasons, the unmatched and the figures."""
    if not snap.pool:
        return (f"Nobody in {team_id} is waiting to be matched: everyone who signed up is in a pair or "
                f"paused, or nobody has signed up yet (is {team_id} the right team ID?).")
    names = {p.slack_user_id: (p.name or "").strip() for p in snap.pool}

    def who(uid: str) -> str:
        return f"{names[uid]} ({uid})" if names.get(uid) else uid

    s = proposal.stats
    n = len(proposal.pairs)
    lines = [f"Matching proposal for {team_id} (dry run: nothing saved, nothing sent)", ""]
    sides = (f"{_count(s.get('mentors', 0), 'mentor')}, {_count(s.get('mentees', 0), 'mentee')}, "
             f"{s.get('either', 0)} either")
    lines.append(f"Pool:   {s.get('participants', len(snap.pool))} people ({sides})")
    lines.append(f"Pairs:  {n}; mentees with a wanted skill covered: "
                 f"{s.get('mentees_with_wanted_skill_covered', 0)} of {n} "
                 f"({percent(s.get('mentees_with_wanted_skill_covered_share', 0))}); "
                 f"average fit {float(s.get('mean_score', 0)):.1f}")
    if s.get("either"):
        lines.append(f"Said either: {s.get('either_as_mentor', 0)} mentoring, "
                     f"{s.get('either_as_mentee', 0)} learning")
    lines.append(f"Not matched: {len(proposal.unmatched)}")
    if s.get("proven_optimal") is False:
        lines.append(f"Note: {stopped_early_text(s)}")
    elif proposal.pairs:
        lines.append("Best possible: no other set pairs more people or fits them better.")
    if proposal.pairs:
        width = max(len("MENTOR"), *(len(who(p.mentor)) for p in proposal.pairs))
        lines += ["", f"{'MENTOR':<{width}}  {'MENTEE':<{width}}    FIT"]
        for p in proposal.pairs:
            lines.append(f"{who(p.mentor):<{width}}  {who(p.mentee):<{width}}  {p.score:>5}")
            lines += [f"    - {r}" for r in p.reasons]
    else:
        lines += ["", "No pair can be made from this pool."]
    if proposal.unmatched:
        lines += ["", f"NOT MATCHED ({len(proposal.unmatched)})"]
        lines += [f"  {who(u.user_id)}: {u.reason}" for u in proposal.unmatched]
    return "\n".join(lines)


SETTINGS_HELP = """\
Show or change the workspace's program settings. With no options, print them (defaults are
marked). With options, check every value together; if any is wrong, each problem is listed and
nothing changes. Otherwise they are saved at once and the new settings are printed.

Slots are a weekday (Mon..Sun) and a 24-hour time, quoted: --nudge "Mon 10:00". Nudges and
feedback prompts go out at that time in each pair's own time zone (the mentee's); the digest
at that time in --digest-timezone. The feedback slot must differ from the nudge slot.

Changing the rhythm (length, cadence, nudge, feedback, reminder) applies to prompts not yet
sent, including for pairs already under way: the send ledger keeps what went out, so nothing is
sent twice. Matching rules apply to the next matching round.
"""


def cmd_settings(args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_slack=False)
    team_id = _team_or_none(args)
    if team_id is None:
        return 2
    options = {name: getattr(args, name) for name in workspace_settings.OPTION_NAMES}
    if all(v is None for v in options.values()):
        ok, current = _with_database(
            settings, lambda db: workspace_settings.get(db, team_id=team_id), _CHANGE_FAILED)
        if not ok:
            return 1
        print(workspace_settings.show_text(current, team_id=team_id))
        return 0
    ok, result = _with_database(
        settings, lambda db: workspace_settings.update_settings(db, team_id=team_id, options=options),
        _CHANGE_FAILED)
    if not ok:
        return 1
    if not result.ok:
        print(workspace_settings.problems_text(result, team_id=team_id), file=sys.stderr)
        return 2
    print(workspace_settings.saved_text(result, team_id=team_id))
    return 0


FORGET_HELP = """\
Delete a person's data, for a right-to-erasure request: the same as their own "Leave and delete
my data" button. In one transaction: their active pairs end (each partner back in the pool),
their profile, goals and check-ins are deleted, and their Slack ID, name and words are taken out
of every other row (pairs, matching rounds, the copies of messages the app keeps). Only a one-way
code of their Slack ID stays, so they are never paired with the same person again if they come
back. Messages already posted in Slack stay there.

Each partner whose pair ends gets a kind note (it doesn't name the person), and so does the
admin channel: they are queued here and sent by the running bot (or `python -m bot tick`).
"""


def cmd_forget(args: argparse.Namespace) -> int:
    user_id = (args.user or "").strip()
    if not valid_user_id(user_id):
        print(f"'{user_id}' doesn't look like a Slack user ID (like U0123ABCD: in Slack, the person's "
              "profile > ⋮ > Copy member ID). Nothing was changed.", file=sys.stderr)
        return 2
    settings = _settings_or_exit(require_slack=False)
    team_id = _team_or_none(args, question="Which workspace is this person in?")
    if team_id is None:
        return 2
    def forget(db):
        result = onboarding.forget(db, team_id=team_id, user_id=user_id, now=utcnow())
        admin_channel = AdminDirectory(settings.admin_channel, db=db).channel(team_id) if result.ended else None
        Outbox(db, clock=utcnow).queue(team_id=team_id, items=notes.pair_ended_notes(
            leaver_id=None, ended=result.ended, admin_channel=admin_channel))
        return result

    ok, result = _with_database(settings, forget, _CHANGE_FAILED)
    if not ok:
        return 1
    print(forget_report(result, user_id=user_id, team_id=team_id))
    return 0


def forget_report(result, *, user_id: str, team_id: str) -> str:
    e = result.erased
    if not e.anything:
        return f"Nothing to delete: workspace {team_id} holds no data about {user_id}. Nothing was changed."
    lines = [f"Deleted the data of {user_id} in workspace {team_id}:",
             f"  profile:                  {'deleted' if e.profile else 'none kept'}",
             f"  goals they wrote:         {e.goals} deleted",
             f"  check-ins and surveys:    {e.checkins} deleted",
             f"  copies of messages:       {e.messages} emptied (any still waiting will not be sent)",
             f"  pairings:                 {e.pairs} (their ID replaced by a one-way code, the reasons removed)",
             f"  matching rounds:          {e.rounds} (their ID, name and reasons removed)",
             f"  other records with their ID: {e.other} (replaced by the code)"]
    if result.ended:
        partners = ", ".join(partner for _, partner in result.ended)
        lines.append(f"Ended {len(result.ended)} active pair{'s' if len(result.ended) != 1 else ''}; "
                     f"a note to {partners} is queued for the running bot to send.")
    lines.append("Messages already posted in Slack stay there.")
    return "\n".join(lines)


REPORT_HELP = """\
Print the program health report: the figures for the current cohort and overall, and the pairs
that need attention with the reason, as `/mentoring report` posts them in the admin channel.
Figures and choices only: what people write in their check-ins and goals stays in their pair
(a blocker appears only if its author shared it with the program team).
"""


def _teams(args: argparse.Namespace) -> list[str] | None:
    """The workspaces from --team (repeatable) or $SLACK_TEAM_ID; None (having said why) if unusable."""
    given = [t.strip() for t in (args.team or []) if t.strip()]
    if not given:
        one = _team_or_none(argparse.Namespace(team=None))
        return None if one is None else [one]
    bad = [t for t in given if not valid_team_id(t)]
    if bad:
        print(f"'{bad[0]}' doesn't look like a Slack team ID (like T0123ABCD).", file=sys.stderr)
        return None
    return list(dict.fromkeys(given))


def cmd_report(args: argparse.Namespace) -> int:
    at = utcnow()
    if args.at is not None:
        at, problem = _parse_at(args.at)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    settings = _settings_or_exit(require_slack=False)
    teams = _teams(args)
    if teams is None:
        return 2
    ok, texts = _with_database(
        settings,
        lambda db: [report_text(report_service.build(db, team_id=t, now=at), every_pair=args.every_pair)
                    for t in teams],
        _READ_FAILED, what="the program")
    if not ok:
        return 1
    print("\n".join(texts), end="")
    return 0


EXPORT_HELP = """\
Write the program's data as CSV (UTF-8, with a header row), as `/mentoring export` shares it in
the admin channel:

  pairs     one row per pair: pair_id, mentor_id, mentor_name, mentee_id, mentee_name, started,
            ended, status, cycles_done, checkins, meetings_reported (sessions in which someone in
            the pair reported meeting), avg_usefulness, goals, goals_progress, health, health_reason
  people    one row per person who signed up: profile fields and status (not their intro)
  checkins  one row per check-in or final survey: numbers and choices only (met, usefulness,
            whether a blocker was reported, goal progress, the survey's answers), never the text

Cells that start with = + - @ are prefixed with ' so that a spreadsheet doesn't run them.
"""


def cmd_export(args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_slack=False)
    team_id = _team_or_none(args)
    if team_id is None:
        return 2
    ok, text = _with_database(
        settings, lambda db: WRITERS[args.kind](export_service.build(db, team_id=team_id, now=utcnow())),
        _READ_FAILED, what="the program")
    if not ok:
        return 1
    if not args.out:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        print(f"Can't write {args.out}: {e.strerror or e}.", file=sys.stderr)
        return 1
    print(f"Wrote the {args.kind} to {args.out}.", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Reverse-mentoring Slack bot.")
    parser.set_defaults(func=cmd_run)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run_p = sub.add_parser("run", help="run the bot (the default)")
    run_p.set_defaults(func=cmd_run)
    import_p = sub.add_parser(
        "import", help="sign people up in bulk from an HR export (CSV)",
        description=IMPORT_HELP.format(skills=textwrap.fill(
            ", ".join(s.key for s in SKILLS), width=88, initial_indent="  ", subsequent_indent="  ")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    import_p.add_argument("file", metavar="FILE.csv", help="the CSV file to import")
    import_p.add_argument("--team", metavar="T0123ABCD",
                          help="the Slack workspace (team ID) the people belong to; "
                               "defaults to $SLACK_TEAM_ID")
    import_p.set_defaults(func=cmd_import)
    match_p = sub.add_parser("match", help="the matching proposal for the current pool (--dry-run)",
                             description="Print the pairs a matching round would propose now, with reasons, "
                                         "without saving or sending anything. Rounds are confirmed in Slack.")
    match_p.add_argument("--dry-run", action="store_true", help="compute and print only (required)")
    match_p.add_argument("--json", action="store_true", help="machine-readable output")
    match_p.add_argument("--team", metavar="T0123ABCD", help="the Slack workspace; defaults to $SLACK_TEAM_ID")
    match_p.set_defaults(func=cmd_match)
    tick_p = sub.add_parser("tick", help="send what is due now, once, and exit (cron, catching up)",
                            description=TICK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    tick_p.add_argument("--at", metavar="ISO-8601", help="act as of this moment (with an offset or Z)")
    tick_p.add_argument("--team", metavar="T0123ABCD", help="only this workspace (default: all)")
    tick_p.set_defaults(func=cmd_tick)
    settings_p = sub.add_parser("settings", help="show or change the workspace's program settings",
                                description=SETTINGS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    settings_p.add_argument("--team", metavar="T0123ABCD", help="the Slack workspace; defaults to $SLACK_TEAM_ID")
    for flag, metavar, text in (
        ("--length-weeks", "N", "how long each pair's program runs, 4 to 52 weeks (default 12)"),
        ("--cadence", "weekly|biweekly|per-pair",
         "how often pairs are nudged to meet (default per-pair: the slower of the two people's choices)"),
        ("--nudge", '"Mon 10:00"', "when the nudge to meet goes out, pair's local time (default Mon 10:00)"),
        ("--feedback", '"Fri 15:00"', "when the how-did-it-go prompt goes out (default Fri 15:00)"),
        ("--reminder-after-days", "N", "remind who hasn't answered N days later, 0 (never) to 6 (default 2)"),
        ("--quiet-cycles", "N", "cycles without a meeting before the digest lists a pair, 1 to 6 (default 2)"),
        ("--digest", '"Mon 09:00"', "when the admins' weekly digest goes out (default Mon 09:00)"),
        ("--digest-timezone", "ZONE", "IANA time zone of the digest slot, e.g. Europe/London (default UTC)"),
        ("--max-tz-diff-hours", "H", "largest time-zone gap within a pair, 0 to 12 hours (default 6)"),
        ("--allow-same-department", "yes|no", "may mentor and mentee share a department (default no)"),
    ):
        settings_p.add_argument(flag, metavar=metavar, help=text)
    settings_p.set_defaults(func=cmd_settings)
    forget_p = sub.add_parser("forget", help="delete a person's data (a right-to-erasure request)",
                              description=FORGET_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    forget_p.add_argument("user", metavar="U0123ABCD", help="the person's Slack user ID")
    forget_p.add_argument("--team", metavar="T0123ABCD", help="the Slack workspace; defaults to $SLACK_TEAM_ID")
    forget_p.set_defaults(func=cmd_forget)
    report_p = sub.add_parser("report", help="print the program health report",
                              description=REPORT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    report_p.add_argument("--team", metavar="T0123ABCD", action="append",
                          help="the Slack workspace (repeat for several); defaults to $SLACK_TEAM_ID")
    report_p.add_argument("--at", metavar="ISO-8601", help="the report as of that moment (with an offset or Z)")
    report_p.add_argument("--every-pair", action="store_true",
                          help="also list every pair with its health (On track, Needs attention, ...) and why")
    report_p.set_defaults(func=cmd_report)
    export_p = sub.add_parser("export", help="write pairs, people or check-ins as CSV",
                              description=EXPORT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    export_p.add_argument("kind", choices=tuple(WRITERS), help="what to export")
    export_p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    export_p.add_argument("--team", metavar="T0123ABCD", help="the Slack workspace; defaults to $SLACK_TEAM_ID")
    export_p.set_defaults(func=cmd_export)
    migrate_p = sub.add_parser("migrate", help="bring the database's schema up to date (the bot also does this "
                                               "when it starts)",
                               description=MIGRATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    migrate_p.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    migrate_p.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, so a closed pipe is caught below
        return code
    except SystemExit as e:  # a command stopped early, having said why on stderr
        return e.code if isinstance(e.code, int) else 1
    except BrokenPipeError:  # the output went to a reader that stopped early (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0

"""The program runs itself: works out from the database and the clock what is due, ledgers it,
then sends it. Exactly once per key, whatever happens.

`Dispatcher(deps).tick(now)` is called every minute by the heartbeat (bot/scheduler.py) and
once by `python -m bot tick [--at ...]`. It holds no state between runs; the truth is the
database (pairs, participants, check-ins, settings) and the send ledger (bot/delivery/outbox.py).

Per workspace, each tick:
1. **plan**: a handful of bulk queries (settings, started pairs with both people, recent ledger
   keys, check-ins of the pairs that need them), then `bot.domain.schedule.due()` per pair in the
   mentee's time zone.
2. **ledger**: everything due recorded in bulk as `queued`, and records of what went stale or
   was swallowed by a pause, so that none of those can ever be sent later.
3. **send**: the workspace's queue, taken a slice (`SLICE` rows) at a time and sent through the
   per-workspace pacer (bot/delivery/sender.py): with several replicas ticking together, each
   takes slices until the queue is empty, so they share the sending (and, on PostgreSQL, the
   workspace's pace). Then `Outbox.recover` for rows another run left unsettled.

Ledger keys (unique per workspace; bot/delivery/keys.py)
    "{kind}:{pair_id}:{cycle}" for every pair prompt: nudge, feedback, reminder, final_survey,
    survey_reminder, closing; "{kind}:{pair_id}:{cycle}@{slot}" once a pause has moved the
    session to a later slot. "digest:{team_id}:{ISO year}-W{ISO week}" for the admins' digest.

Rules
    - Only active pairs with a group DM and an introduction time; the pair's clock is the
      mentee's time zone (the mentor's, then UTC, if the mentee's is missing or unknown).
    - Late runs send what is still inside its window once and record the rest as `stale`
      (logged at INFO with the why). Stale or skipped prompts older than RECORD_WINDOW are not
      recorded any more (they can never be due again either).
    - Pauses extend the program: a cycle whose nudge falls while either person is paused
      (status "paused"; `paused_until` is the first active day, in that person's time zone, or
      open-ended), or in one of the pair's finished breaks (PairSchedule.pauses), is missed, not
      spent: the pair's sessions move out by it (bot/domain/schedule.py), so topics go on in
      order and "Session N of M" stays true. Other occurrences that fall in a pause are recorded
      as skipped ("stale" with reason "paused: ...") and never go out.
    - Each pair runs at its own cadence (PairSchedule.cadence_weeks, fixed at its introduction;
      none: the program's).
    - Reminders (one per pair and cycle, in the group DM) mention only the people who have not
      checked in for that cycle; when both have, the reminder is recorded as skipped. The same
      holds for feedback prompts and the final survey (both already checked in: skipped) and
      for the survey reminder. The closing message carries the survey button for whoever has
      not answered it.
    - When the closing message is due (or was skipped or went stale), the pair is ended with
      reason "Program complete": both people are back in the pool for the next round.
    - Digest: weekly at the team's digest slot (ProgramSettings digest_weekday/time/timezone,
      default Monday 09:00 UTC) to the admin channel, due for DIGEST_GRACE after the slot: the
      program health report (bot/services/report.py; its pairs that need attention include
      every quiet pair), its messages under "digest:{team_id}:{week}" (and ":{n}" for the pages
      after the first), then its chart, uploaded once under "chart:{team_id}:{week}" after the
      messages are sent. A pair is quiet when none of its last `quiet_cycles` completed cycles
      (nor the current one) has a "we met" check-in; pairs that haven't completed that many
      cycles, and pairs with someone paused, are not judged. Nobody to judge yet, or no admin
      channel configured: nothing is sent and the week's key is recorded as skipped with the
      reason (logged).
"""

from __future__ import annotations

import logging
import threading
import time as _time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.blocks import meeting as meeting_words
from bot.blocks import prompts
from bot.delivery import keys
from bot.delivery.outbox import Item, Outbox
from bot.delivery.reports import report_items, share_chart
from bot.delivery.sender import Pacer, SendCounts, Stopped
from bot.deps import Deps
from bot.domain import schedule, slots
from bot.domain.schedule import (
    CLOSING,
    FEEDBACK,
    FINAL_SURVEY,
    NUDGE,
    REMINDER,
    SURVEY_REMINDER,
    Occurrence,
    Rhythm,
)
from bot.domain.timezones import pair_zone, valid_zone
from bot.domain.topics import topic_for
from bot.services import report as report_service
from bot.services.report import Report
from storage.models import (
    CHECKIN_FINAL,
    CHECKIN_REGULAR,
    SEND_CLAIMED,
    SEND_QUEUED,
    SEND_SENT,
    ProgramSettings,
)
from storage.repositories import checkins as checkins_repo
from storage.repositories import ledger
from storage.repositories import pairs as pairs_repo
from storage.repositories import settings as settings_repo
from storage.repositories.pairs import StartedPair

log = logging.getLogger(__name__)

DIGEST = keys.DIGEST
RECORD_WINDOW = timedelta(days=8)  # stale/skipped occurrences are recorded this long after going stale
KEY_WINDOW = timedelta(days=45)  # how far back ledger keys are preloaded to spare re-claims
DIGEST_GRACE = timedelta(days=2)
MISSED_FOR_NEW_SLOTS = 2  # sessions in a row reported as not met before a nudge offers new times
SLICE = 10  # queued rows a sender takes at a time: a few seconds of sending at Slack's pace

_KIND_NAMES = {
    NUDGE: "nudge", FEEDBACK: "feedback prompt", REMINDER: "check-in reminder",
    FINAL_SURVEY: "final survey", SURVEY_REMINDER: "final survey reminder", CLOSING: "closing message",
    DIGEST: "digest",
}


@dataclass
class TickReport:
    due: int = 0  # items due now and not yet in the ledger
    claimed: int = 0  # of those, recorded by this run (the others: another run got there first)
    sent: int = 0
    stale: int = 0  # newly recorded as too late to send
    skipped: int = 0  # newly recorded as not to be sent (paused, everyone checked in, no admin channel)
    failed: int = 0  # Slack refused for good
    already: int = 0  # due items the ledger already had (sent or in flight)
    retry_later: int = 0  # left claimed, for recovery
    handed_off: int = 0  # queued to this workspace's sender already running in this process
    recovered: int = 0  # rows settled by recovery
    rate_limited: int = 0
    pairs_ended: int = 0
    teams: int = 0

    def summary(self) -> str:
        parts = [f"{self.teams} workspace{'s' if self.teams != 1 else ''}", f"{self.due} due",
                 f"{self.claimed} claimed", f"{self.sent} sent", f"{self.stale} stale",
                 f"{self.skipped} skipped", f"{self.failed} failed", f"{self.already} already done"]
        for name in ("retry_later", "handed_off", "recovered", "rate_limited", "pairs_ended"):
            value = getattr(self, name)
            if value:
                parts.append(f"{value} {name.replace('_', ' ')}")
        return "Tick: " + ", ".join(parts) + "."


@dataclass
class TeamPlan:
    team_id: str
    due: list[Item] = field(default_factory=list)
    stale: list[tuple[Item, str]] = field(default_factory=list)  # (item, log line saying why)
    skipped: list[tuple[Item, str]] = field(default_factory=list)  # (item, reason)
    already: int = 0
    completed_pairs: list[int] = field(default_factory=list)
    # The weekly report whose chart is to be shared once its messages are out: (report, channel, week).
    chart: tuple[Report, str, str] | None = None


@dataclass
class Plan:
    now: datetime
    teams: list[TeamPlan] = field(default_factory=list)


@dataclass
class Claimed:
    """What one run recorded in the queue: {team_id: [row ids]}. Any replica may send them."""

    now: datetime
    rows: dict[str, list[int]] = field(default_factory=dict)


def _local_label(at: datetime, tz: str, *, zone_name: bool = True) -> str:
    label = f"{at.astimezone(ZoneInfo(tz)):%a %d %b %H:%M}"
    return f"{label} {tz}" if zone_name else label


@lru_cache(maxsize=4096)
def _topic(cycle: int, n: int, mentee_wants: tuple[str, ...], mentor_wants: tuple[str, ...]):
    return topic_for(cycle, n, mentee_wants=mentee_wants, mentor_wants=mentor_wants)


def _pauses(pair: StartedPair, pair_tz: str) -> tuple[schedule.Pause, ...]:
    """The pair's breaks: those it finished, and each person's current pause, from when it began
    (what was due before still goes out) until the first day back, midnight in that person's zone."""
    return schedule.pair_pauses(pair.breaks, [(m.paused_at, m.paused_until, m.timezone) for m in pair.members
                                              if m.paused], tz=pair_tz)


def _rhythm_of(rhythm: Rhythm, pair: StartedPair) -> Rhythm:
    return rhythm.for_pair(pair.cadence_weeks)


def _pause_reason(pair: StartedPair) -> str:
    who = [m for m in pair.members if m.paused]
    parts = [f"<@{m.user_id}> paused" + (f" until {m.paused_until.isoformat()}" if m.paused_until else "")
             for m in who]
    return "paused: " + ", ".join(parts)


class Dispatcher:
    def __init__(self, deps: Deps, *, team_id: str | None = None, pacer: Pacer | None = None):
        self.deps = deps
        self.team_id = team_id
        self.pacer = pacer or deps.pacer

    # --- the whole run -----------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> TickReport:
        """One run: plan, ledger, send, recover. `now` (aware) makes it act as of that moment."""
        if now is not None and (now.tzinfo is None or now.utcoffset() is None):
            raise ValueError("tick(now=...) needs a timezone-aware datetime")
        report = TickReport()
        outbox = self._outbox(now)
        plan = self.plan(now)
        claimed = self.ledger(plan, report, outbox=outbox)
        try:
            self.send(claimed, report, outbox=outbox)
            self.share_charts(plan, outbox=outbox)
            self.recover(plan, report, outbox=outbox)
        except Stopped:  # SIGTERM: what isn't sent stays claimed, for the next run
            log.info("Stopping: the rest of this tick is left in the ledger")
        log.log(logging.INFO if (report.claimed or report.stale or report.failed) else logging.DEBUG,
                "%s", report.summary())
        return report

    def _outbox(self, now: datetime | None) -> Outbox:
        """The ledger, on the live clock; or, acting as of `now`, on a clock that starts at `now`
        and runs on from there (a long send must keep renewing its lease like a live one)."""
        if now is None:
            return self.deps.outbox
        base, start = now.astimezone(UTC), _time.monotonic()
        return Outbox(self.deps.db, clock=lambda: base + timedelta(seconds=_time.monotonic() - start))

    # --- 1. plan -----------------------------------------------------------------------

    def plan(self, now: datetime | None = None) -> Plan:
        now = (now or self.deps.now()).astimezone(UTC)
        with self.deps.db.session() as s:
            teams = [self.team_id] if self.team_id else pairs_repo.teams_with_started_pairs(s)
        out = Plan(now=now)
        for team_id in teams:
            try:
                out.teams.append(self._plan_team(team_id, now))
            except ValueError as e:  # invalid program settings: say so, keep the other teams going
                log.error("Not dispatching for workspace %s: its program settings are invalid (%s)",
                          team_id, e)
        return out

    def _plan_team(self, team_id: str, now: datetime) -> TeamPlan:
        tp = TeamPlan(team_id)
        with self.deps.db.session() as s:
            settings = settings_repo.get(s, team_id=team_id)
            rhythm = Rhythm.from_settings(settings)
            pairs = pairs_repo.started_pairs(s, team_id=team_id)
            known = ledger.recent_keys(s, team_id=team_id, since=now - KEY_WINDOW)
        record_after = now - RECORD_WINDOW

        # Pass 1: what is due, stale or skipped for each pair.
        due_occ: list[tuple[StartedPair, str, Occurrence]] = []
        for pair in pairs:
            tz = pair_zone(pair.mentee.timezone, pair.mentor.timezone)
            spans = _pauses(pair, tz)
            r = _rhythm_of(rhythm, pair)
            due_now, stale = schedule.due(r, anchor=pair.introduced_at, tz=tz, now=now, pauses=spans)
            for occ in due_now:
                key = keys.prompt(occ.kind, pair.id, occ.cycle, occ.slot)
                if key in known:
                    tp.already += 1
                elif spans and occ.kind in (REMINDER, SURVEY_REMINDER) and schedule.is_paused(
                        schedule.normalise_pauses(spans), _ask_of(r, pair, tz, occ, spans).at):
                    # Never remind people of a check-in they were not asked for.
                    tp.skipped.append((self._placeholder(key, occ, pair),
                                       "its check-in prompt fell in a pause"))
                else:
                    due_occ.append((pair, tz, occ))
            for occ in stale:
                key = keys.prompt(occ.kind, pair.id, occ.cycle, occ.slot)
                if occ.stale_at > record_after and key not in known:
                    why = (f"Skipped the {occ.local:%A} {_KIND_NAMES[occ.kind]} for pair {pair.id} "
                           f"(cycle {occ.cycle}): it was due {_local_label(occ.at, tz)} and it's now "
                           f"{_local_label(now, tz, zone_name=False)} (it was worth sending until "
                           f"{_local_label(occ.stale_at, tz, zone_name=False)})")
                    tp.stale.append((self._placeholder(key, occ, pair), why))
            if spans:
                reason = _pause_reason(pair)
                for occ in schedule.skipped(r, anchor=pair.introduced_at, tz=tz, now=now, pauses=spans):
                    key = keys.prompt(occ.kind, pair.id, occ.cycle, occ.slot)
                    if occ.stale_at > record_after and key not in known:
                        tp.skipped.append((self._placeholder(key, occ, pair), reason))
            end = schedule.bounds(r, anchor=pair.introduced_at, tz=tz, pauses=spans)[1]
            if end <= now:
                tp.completed_pairs.append(pair.id)

        # Pass 2: the check-ins of the pairs whose due prompt depends on them.
        asking = {p.id for p, _, o in due_occ if o.kind != NUDGE}
        nudging = {p.id for p, _, o in due_occ if o.kind == NUDGE and o.cycle > MISSED_FOR_NEW_SLOTS}
        with self.deps.db.session() as s:
            checkins = checkins_repo.checked_in(s, team_id=team_id, pair_ids=asking) if asking else {}
            met = checkins_repo.met_answers(s, team_id=team_id, pair_ids=nudging) if nudging else {}

        for pair, tz, occ in sorted(due_occ, key=lambda x: (x[2].at, x[0].id)):
            r = _rhythm_of(rhythm, pair)
            n = schedule.n_cycles(r)
            item, skip_reason = self._build(pair, occ, n, checkins)
            if occ.kind == NUDGE and _missed_in_a_row(met, pair.id, occ.cycle):
                item = _with_new_slots(item, pair, occ, r, tz)
            if skip_reason:
                tp.skipped.append((item, skip_reason))
            else:
                tp.due.append(item)

        self._plan_digest(tp, settings, rhythm, pairs, known, now)
        return tp

    @staticmethod
    def _placeholder(key: str, occ: Occurrence, pair: StartedPair) -> Item:
        # Never sent: the ledger row only records that this occurrence is settled.
        return Item(key=key, kind=occ.kind, channel=pair.channel_id, text="", pair_id=pair.id, cycle=occ.cycle)

    def _build(self, pair: StartedPair, occ: Occurrence, n: int,
               checkins: dict[tuple[int, int, str], set[str]]) -> tuple[Item, str | None]:
        mentor, mentee = pair.mentor.user_id, pair.mentee.user_id
        k = occ.cycle
        final = occ.kind in (FINAL_SURVEY, SURVEY_REMINDER, CLOSING)
        done = checkins.get((pair.id, k, CHECKIN_FINAL if final else CHECKIN_REGULAR), set())
        waiting = [u for u in (mentor, mentee) if u not in done]
        skip = None
        if occ.kind == NUDGE:
            topic = _topic(k, n, pair.mentee.wants, pair.mentor.wants)
            msg = prompts.nudge(mentor=mentor, mentee=mentee, cycle=k, n_cycles=n, topic=topic)
        elif occ.kind == FEEDBACK:
            msg = prompts.feedback_prompt(pair_id=pair.id, mentor=mentor, mentee=mentee, cycle=k, n_cycles=n)
        elif occ.kind == FINAL_SURVEY:
            msg = prompts.final_survey(pair_id=pair.id, mentor=mentor, mentee=mentee, cycle=k)
        elif occ.kind == REMINDER:
            msg = prompts.reminder(pair_id=pair.id, cycle=k, waiting_for=waiting)
        elif occ.kind == SURVEY_REMINDER:
            msg = prompts.survey_reminder(pair_id=pair.id, cycle=k, waiting_for=waiting)
        else:  # CLOSING
            msg = prompts.closing(pair_id=pair.id, mentor=mentor, mentee=mentee, cycle=k, survey_pending=waiting)
        if occ.kind != NUDGE and occ.kind != CLOSING and not waiting:
            skip = "both have already checked in" if not final else "both have already answered the final survey"
        item = Item(key=keys.prompt(occ.kind, pair.id, k, occ.slot), kind=occ.kind, channel=pair.channel_id,
                    text=msg["text"], blocks=msg["blocks"], pair_id=pair.id, cycle=k)
        return item, skip

    # --- the digest --------------------------------------------------------------------

    def _plan_digest(self, tp: TeamPlan, settings: ProgramSettings, rhythm: Rhythm,
                     pairs: list[StartedPair], known: set[str], now: datetime) -> None:
        tz = valid_zone(settings.digest_timezone) or "UTC"
        z = ZoneInfo(tz)
        try:
            slot_time = schedule.parse_time(settings.digest_time)
        except ValueError:
            slot_time = time(9, 0)
        weekday = settings.digest_weekday if 0 <= settings.digest_weekday <= 6 else 0
        local_now = now.astimezone(z).replace(tzinfo=None)
        days_back = (local_now.weekday() - weekday) % 7
        slot_wall = datetime.combine(local_now.date() - timedelta(days=days_back), slot_time)
        if slot_wall > local_now:
            slot_wall -= timedelta(weeks=1)
        slot = slot_wall.replace(tzinfo=z, fold=0).astimezone(UTC)
        key = keys.digest(tp.team_id, slot_wall)
        week = key.split(":")[-1]
        if key in known and keys.report_chart(tp.team_id, week) not in known and slot <= now < slot + DIGEST_GRACE:
            # The week's report went out but its chart didn't (a crash in between): share it now.
            # (A report that was skipped has no chart either.)
            row = self.deps.outbox.row(team_id=tp.team_id, key=key)
            if row is not None and row.status in (SEND_SENT, SEND_QUEUED, SEND_CLAIMED) and row.channel_id:
                tp.chart = (report_service.build(self.deps.db, team_id=tp.team_id, now=now), row.channel_id, week)
            return
        if key in known or not pairs:
            return
        channel = self.deps.admins.channel(tp.team_id)
        placeholder = Item(key=key, kind=DIGEST, channel=channel or "", text="")

        # The report goes out once some pair has completed `quiet_cycles` cycles (and isn't on a break).
        quiet_cycles = max(1, settings.quiet_cycles or 2)
        counted = 0
        finished = set(tp.completed_pairs)
        for pair in pairs:
            if pair.id in finished:
                continue
            pair_tz = pair_zone(pair.mentee.timezone, pair.mentor.timezone)
            spans = _pauses(pair, pair_tz)
            if any(m.paused for m in pair.members) and schedule.is_paused(schedule.normalise_pauses(spans), now):
                continue
            if _completed_cycles(_rhythm_of(rhythm, pair), pair, pair_tz, now, spans) >= quiet_cycles:
                counted += 1
                break
        if counted == 0:
            tp.skipped.append((placeholder, f"no pair has completed {quiet_cycles} cycles yet"))
            return
        if now >= slot + DIGEST_GRACE:
            tp.stale.append((placeholder, f"Skipped the weekly digest ({key}): it was due "
                                          f"{_local_label(slot, tz)} and it's now "
                                          f"{_local_label(now, tz, zone_name=False)}"))
            return
        if not channel:
            tp.skipped.append((placeholder, "no admin channel configured (MENTORING_ADMIN_CHANNEL)"))
            return
        # The week's program health report: its pairs that need attention include the quiet ones.
        health = report_service.build(self.deps.db, team_id=tp.team_id, now=now)
        for n, item in enumerate(report_items(health, channel=channel, request=week), start=1):
            tp.due.append(Item(key=key if n == 1 else f"{key}:{n}", kind=DIGEST, channel=channel, text=item.text,
                               blocks=item.blocks))
        tp.chart = (health, channel, week)

    def share_charts(self, plan: Plan, *, outbox: Outbox | None = None) -> None:
        """Upload each weekly report's chart, once (the ledger keeps the key), after its messages."""
        outbox = outbox or self._outbox(plan.now)
        for tp in plan.teams:
            if tp.chart is None:
                continue
            health, channel, week = tp.chart
            try:
                share_chart(outbox, self.deps.slack.sending(tp.team_id), health, channel=channel, request=week)
            except Exception:  # a chart never holds up the program's prompts
                log.exception("Workspace %s: the weekly chart could not be shared", tp.team_id)

    # --- 2. ledger ---------------------------------------------------------------------

    def ledger(self, plan: Plan, report: TickReport | None = None, *, outbox: Outbox | None = None) -> Claimed:
        """Record the plan: queue what is due (bulk), record stale and skipped occurrences, end
        completed pairs. Returns the rows this run queued."""
        report = report if report is not None else TickReport()
        outbox = outbox or self._outbox(plan.now)
        claimed = Claimed(now=plan.now)
        for tp in plan.teams:
            report.teams += 1
            report.due += len(tp.due)
            report.already += tp.already
            won = outbox.queue(team_id=tp.team_id, items=tp.due)
            report.claimed += len(won)
            report.already += len(tp.due) - len(won)
            claimed.rows[tp.team_id] = [won[i.key] for i in tp.due if i.key in won]

            if tp.stale:
                recorded = outbox.record_stale(team_id=tp.team_id, items=[i for i, _ in tp.stale],
                                               reason="stale: too late to be useful")
                for item, why in tp.stale:
                    if item.key in recorded:
                        report.stale += 1
                        log.info("%s", why)
            for reason in sorted({r for _, r in tp.skipped}):
                items = [i for i, r in tp.skipped if r == reason]
                recorded = outbox.record_stale(team_id=tp.team_id, items=items, reason=f"skipped: {reason}")
                for item in items:
                    if item.key in recorded:
                        report.skipped += 1
                        log.info("Not sending the %s %s: %s", _KIND_NAMES.get(item.kind, item.kind),
                                 _subject(item), reason)
            if tp.completed_pairs:
                with self.deps.db.session() as s:
                    ended = pairs_repo.end_completed_pairs(s, team_id=tp.team_id, pair_ids=tp.completed_pairs,
                                                        at=plan.now)
                report.pairs_ended += ended
                if ended:
                    log.info("Workspace %s: %d pair(s) finished the program", tp.team_id, ended)
        return claimed

    # --- 3. send -----------------------------------------------------------------------

    def send(self, claimed: Claimed, report: TickReport | None = None, *, outbox: Outbox | None = None) -> SendCounts:
        """Send every workspace's queue (what this run queued, and what other runs left queued),
        one thread per workspace, each at its workspace's pace."""
        report = report if report is not None else TickReport()
        outbox = outbox or self._outbox(claimed.now)
        total = SendCounts()
        lock = threading.Lock()
        teams = {t for t, rows in claimed.rows.items() if rows} | set(outbox.queued_teams())
        if self.team_id:
            teams &= {self.team_id}

        def run(team_id: str) -> None:
            client = self.deps.slack.sending(team_id)
            counts = self.pacer.drain(outbox, client, team_id=team_id, scope=self.deps.db.url,
                                      take=lambda: outbox.take(team_id=team_id, limit=SLICE))
            with lock:
                total.add(counts)

        if len(teams) == 1:
            run(*teams)
        else:
            threads = [threading.Thread(target=run, args=(t,), name=f"send-{t}") for t in sorted(teams)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
        report.sent += total.sent
        report.failed += total.failed
        report.retry_later += total.retry_later
        report.handed_off += total.handed_off
        report.rate_limited += total.rate_limited
        return total

    def recover(self, plan: Plan, report: TickReport | None = None, *, outbox: Outbox | None = None) -> None:
        """Settle rows another run (or a crash) left claimed past their lease."""
        outbox = outbox or self._outbox(plan.now)
        # Every workspace with a send left in doubt, not only those with prompts due: partner
        # notes, pause notes and admin lines go through the ledger too.
        teams = {tp.team_id for tp in plan.teams} | {row.team_id for row in outbox.unsettled()}
        if self.team_id:
            teams &= {self.team_id}
        for team_id in sorted(teams):
            if self.pacer.sending(team_id, self.deps.db.url):
                continue  # this process is still sending for the workspace
            counts = outbox.recover(self.deps.slack.sending, team_id=team_id,
                                    pace=lambda t: self.pacer.bucket(t).acquire())
            if report is not None:
                report.recovered += sum(counts.values())


def _missed_in_a_row(met: dict[tuple[int, int], set[bool]], pair_id: int, cycle: int) -> bool:
    """The pair reported not meeting in each of the last MISSED_FOR_NEW_SLOTS sessions (someone said
    "we didn't meet", nobody said they did)."""
    return cycle > MISSED_FOR_NEW_SLOTS and all(
        met.get((pair_id, c)) == {False} for c in range(cycle - MISSED_FOR_NEW_SLOTS, cycle))


def _with_new_slots(item: Item, pair: StartedPair, nudge: Occurrence, rhythm: Rhythm, tz: str) -> Item:
    """The nudge with three new times inside both working days, in the session that starts now
    (none that the intro offered)."""
    zones = tuple(valid_zone(m.timezone) for m in pair.members)
    if not all(zones):
        return item
    window = timedelta(weeks=rhythm.cadence_weeks)
    sessions = schedule.n_cycles(rhythm) - nudge.cycle + 1
    first = schedule.bounds(rhythm, anchor=pair.introduced_at, tz=tz)[0]
    offered = slots.propose(window=(first, first + window), zones=zones, pair_tz=tz,
                            cadence_weeks=rhythm.cadence_weeks, sessions=schedule.n_cycles(rhythm))
    new = slots.propose(window=(nudge.at, nudge.at + window), zones=zones, pair_tz=tz,
                        cadence_weeks=rhythm.cadence_weeks, sessions=sessions, avoid=tuple(offered), offset=1)
    if not new:
        return item
    block = meeting_words.slots_section(slots=new, people=[(m.user_id, z) for m, z in zip(pair.members, zones, strict=True)],
                                        cadence_weeks=rhythm.cadence_weeks, sessions=sessions, invitation=False,
                                        again=True)
    return replace(item, blocks=[*item.blocks, block])


def _subject(item: Item) -> str:
    if item.pair_id is None:
        return f"for this week ({item.key})"
    return f"for pair {item.pair_id} (cycle {item.cycle})"


def _ask_of(rhythm: Rhythm, pair: StartedPair, tz: str, reminder: Occurrence, spans=()) -> Occurrence:
    """The feedback prompt (or final survey) a reminder follows up."""
    kind = FINAL_SURVEY if reminder.kind == SURVEY_REMINDER else FEEDBACK
    return next(o for o in schedule.occurrences(rhythm, anchor=pair.introduced_at, tz=tz, pauses=spans)
                if o.kind == kind and o.cycle == reminder.cycle)


def _completed_cycles(rhythm: Rhythm, pair: StartedPair, tz: str, now: datetime, spans=()) -> int:
    """How many of the pair's sessions have ended by `now` (a session ends at the next one's nudge,
    the last one at the closing message)."""
    return schedule.progress(rhythm, anchor=pair.introduced_at, tz=tz, now=now, pauses=spans).done

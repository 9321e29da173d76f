"""A pair's own rhythm (PairSchedule) under concurrent writers, on SQLite and PostgreSQL: the row
is created once, the first cadence wins, and no break is lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from storage.models import PairSchedule
from storage.repositories import pair_schedules
from tests.support.factories import paired


def test_concurrent_writers_create_the_row_once_and_lose_no_break(db):
    _, _, pair = paired(db)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []
    cadences: list[int] = []

    def cadence(weeks: int) -> None:
        try:
            barrier.wait()
            with db.session() as s:
                cadences.append(pair_schedules.fix_cadence(s, team_id="T0001", pair_id=pair.id, cadence_weeks=weeks))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def pause(k: int) -> None:
        try:
            barrier.wait()
            with db.session() as s:
                pair_schedules.add_break(s, team_id="T0001", pair_ids=[pair.id], start=start + timedelta(days=k),
                                         end=start + timedelta(days=k, hours=1))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=cadence, args=(w,)) for w in (1, 2, 2)]
    threads += [threading.Thread(target=pause, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(set(cadences)) == 1 and len(cadences) == 3  # whoever came first, everyone reads it
    with db.session() as s:
        row = s.get(PairSchedule, pair.id)
        assert row.cadence_weeks == cadences[0]
        assert len(pair_schedules.parse_spans(row.pauses)) == 3

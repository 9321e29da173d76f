"""Files that must be shared once (the report's chart, an export), through the send ledger.

`upload_once` records the upload under its key before anything is sent, so a second request with
the same key (a retry, a second replica, a weekly digest planned twice) uploads nothing. Slack's
upload (slack_sdk `files_upload_v2`: `files.getUploadURLExternal`, the upload,
`files.completeUploadExternal`) can't carry our key the way a message's metadata does, so a row
left unsettled by a crash mid-upload is not uploaded again: recovery posts the row's text, a
short note saying the file didn't come and how to get it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.outbox import Item, Outbox, Outcome
from storage.models import SEND_CLAIMED, SEND_FAILED, SEND_SENT
from storage.repositories import ledger

log = logging.getLogger(__name__)

FILE_KIND = "file"


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    title: str


def upload_once(outbox: Outbox, client: WebClient, *, team_id: str, key: str, channel: str,
                uploads: list[Upload], comment: str, fallback: str) -> Outcome:
    """Share `uploads` in `channel` with `comment`, once for `key`. `fallback`: the text recovery
    posts instead if this process dies before Slack has answered."""
    won = outbox.claim(team_id=team_id, items=[Item(key=key, kind=FILE_KIND, channel=channel, text=fallback)])
    if key not in won:
        return Outcome.DUPLICATE
    row_id = won[key]
    try:
        resp = client.files_upload_v2(
            channel=channel, initial_comment=comment,
            file_uploads=[{"content": u.content, "filename": u.filename, "title": u.title} for u in uploads],
        )
    except SlackApiError as e:
        error = (e.response.data.get("error") if isinstance(e.response.data, dict) else None) \
            or f"http_{e.response.status_code}"
        _finish(outbox, row_id, status=SEND_FAILED, error=error)
        log.warning("Uploading %s (%s) failed: Slack said %s", key, ", ".join(u.filename for u in uploads), error)
        return Outcome.FAILED
    except OSError as e:
        # The upload may or may not have landed: leave the row for recovery, which posts the note.
        _finish(outbox, row_id, status=SEND_CLAIMED, error=f"upload: {e}"[:300])
        log.warning("Uploading %s: outcome unknown (%s)", key, e)
        return Outcome.RETRY_LATER
    files = resp.get("files") or []
    _finish(outbox, row_id, status=SEND_SENT, ts=",".join(str(f.get("id")) for f in files)[:32] or None)
    return Outcome.SENT


def _finish(outbox: Outbox, row_id: int, *, status: str, error: str | None = None, ts: str | None = None) -> None:
    values: dict = {"status": status}
    if status == SEND_SENT:
        values.update(sent_at=outbox.clock(), message_ts=ts)
    if error:
        values["error"] = error[:300]
    with outbox.db.session() as s:
        ledger.finish(s, row_id=row_id, **values)

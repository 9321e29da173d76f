"""A matching round's message in the admin channel, in Slack: the `RoundBoard` that
bot/services/rounds.py and bot/delivery/introductions.py keep in step with the round.

Only posting the preview must succeed (the round's proposal is refused without it); every
later update is best effort: the database holds the truth, the message shows it.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import rounds as words
from bot.services.rounds import BoardError, PoolChange
from storage.models import MatchRound

log = logging.getLogger(__name__)


class SlackRoundBoard:
    def __init__(self, client: WebClient, channel: str | None):
        self.client = client
        self.channel = channel

    def post_preview(self, rnd: MatchRound) -> tuple[str, str]:
        message = words.build_preview(round_id=rnd.id, proposal=rnd.proposal, created_by=rnd.created_by)
        try:
            resp = self.client.chat_postMessage(channel=self.channel, text=message["text"], blocks=message["blocks"],
                                                unfurl_links=False, unfurl_media=False)
        except SlackApiError as e:
            raise BoardError(e.response.get("error") or f"http_{e.response.status_code}") from e
        return resp.get("channel") or self.channel, resp["ts"]

    def permalink(self, rnd: MatchRound) -> str | None:
        if not (rnd.channel_id and rnd.message_ts):
            return None
        try:
            return self.client.chat_getPermalink(channel=rnd.channel_id, message_ts=rnd.message_ts).get("permalink")
        except SlackApiError:
            return None

    def _update(self, rnd: MatchRound, message: dict) -> None:
        if not (rnd.channel_id and rnd.message_ts):
            return
        try:
            self.client.chat_update(channel=rnd.channel_id, ts=rnd.message_ts, text=message["text"],
                                    blocks=message["blocks"])
        except (SlackApiError, OSError) as e:
            log.warning("Couldn't update the message of matching round %s: %s", rnd.id,
                        e.response.get("error") if isinstance(e, SlackApiError) else e)

    def show_progress(self, rnd: MatchRound, *, decided_by: str, introduced: int, total: int,
                      waiting: bool = False) -> None:
        self._update(rnd, words.build_progress(proposal=rnd.proposal, decided_by=decided_by, introduced=introduced,
                                               total=total, note=words.SLACK_BUSY if waiting else None))

    def show_finished(self, rnd: MatchRound, *, decided_by: str, introduced: int, total: int, unmatched: int,
                      failed: list[tuple[str, str, str]]) -> None:
        self._update(rnd, words.build_finished(proposal=rnd.proposal, decided_by=decided_by, introduced=introduced,
                                               total=total, unmatched=unmatched, failed=failed))

    def show_cancelled(self, rnd: MatchRound, *, cancelled_by: str) -> None:
        self._update(rnd, words.build_cancelled(proposal=rnd.proposal, cancelled_by=cancelled_by))

    def show_stale(self, rnd: MatchRound, *, change: PoolChange) -> None:
        self._update(rnd, words.build_stale(proposal=rnd.proposal, what_changed=words.what_changed(change)))

    def show_preview(self, rnd: MatchRound, *, page: int) -> None:
        self._update(rnd, words.build_preview(round_id=rnd.id, proposal=rnd.proposal, created_by=rnd.created_by,
                                              page=page))

    def show_emptied(self, rnd: MatchRound, *, dropped_by: str) -> None:
        self._update(rnd, words.build_emptied(proposal=rnd.proposal, dropped_by=dropped_by))

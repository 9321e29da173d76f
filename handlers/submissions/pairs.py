"""Submissions of the goals modal and the check-in / final-survey modal."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.checkins import build_checkin_thanks
from bot.blocks.goals import build_goals_posted
from bot.delivery.outbox import Item, Outbox
from bot.deps import Deps
from bot.services import checkins, goals
from bot.slack.ids import View


def _team(body: dict, view: dict) -> str:
    return body["team"]["id"] if body.get("team") else view["team_id"]


def register(app: App, deps: Deps) -> None:
    @app.view(View.GOALS)
    def goals_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id = body["user"]["id"]
        result = goals.save_goals(deps.db, team_id=_team(body, view), user_id=user_id,
                                  private_metadata=view.get("private_metadata", ""),
                                  values=view["state"]["values"], now=deps.now())
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        ack()
        message = build_goals_posted(pair_id=result.pair.id, role=result.role, author_id=user_id,
                                     goals=result.goals, updated=result.updated)
        # Not yet introduced (no group DM): each of the two gets it in their DM with the bot.
        channels = [result.pair.channel_id] if result.pair.channel_id else \
            [result.pair.mentee_user_id, result.pair.mentor_user_id]
        saved_at = max((g.updated_at for g in result.goals), default=deps.now()).isoformat()
        outbox = Outbox(deps.db, clock=deps.now)
        for channel in channels:
            outbox.send_once(client, team_id=result.pair.team_id, item=Item(
                key=f"goals:{result.pair.id}:{result.role}:{saved_at}:{channel}", kind="goals",
                channel=channel, text=message["text"], blocks=message.get("blocks") or [],
                pair_id=result.pair.id, user_id=user_id))

    @app.view(View.CHECKIN)
    def checkin_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id = body["user"]["id"]
        result = checkins.submit_checkin(deps.db, team_id=_team(body, view), user_id=user_id,
                                         private_metadata=view.get("private_metadata", ""),
                                         values=view["state"]["values"])
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        ack()
        text = build_checkin_thanks(name=result.name, kind=result.row.kind, met=result.row.met,
                                    updated=not result.created, weekly=result.weekly)
        if result.pair.channel_id:
            client.chat_postEphemeral(channel=result.pair.channel_id, user=user_id, text=text)
        else:
            client.chat_postMessage(channel=user_id, text=text)

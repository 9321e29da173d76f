"""Submissions of the goals modal and the check-in / final-survey modal."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks import checkins as checkin_words
from bot.blocks import goals as goals_words
from bot.blocks.checkins import build_checkin_thanks
from bot.blocks.goals import build_goals_posted
from bot.delivery import keys
from bot.delivery.outbox import Item
from bot.deps import Deps
from bot.services import checkins, goals
from bot.services.errors import Refusal
from bot.slack import forms
from bot.slack.ids import CheckinBlock, View
from bot.slack.trouble import explained


def register(app: App, deps: Deps) -> None:
    @app.view(View.GOALS)
    @explained
    def goals_submitted(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
        team_id, user_id = context.team_id, context.user_id
        pair_id, role = forms.goals_target(view.get("private_metadata"))
        try:
            form = goals.submission(deps.db, team_id=team_id, user_id=user_id, pair_id=pair_id, role=role,
                                    now=deps.now())
            slots, errors = forms.parse_goals_submission(forms.state_values(view), role=role, today=form.today)
            if errors:
                ack(response_action="errors", errors=errors)
                return
            result = goals.save_goals(deps.db, team_id=team_id, user_id=user_id, pair_id=form.pair.id, role=role,
                                      slots=slots)
        except Refusal as e:
            ack(response_action="errors", errors={forms.first_goal_block(role): goals_words.refusal(e)})
            return
        ack()
        message = build_goals_posted(pair_id=result.pair.id, role=result.role, author_id=user_id,
                                     goals=result.goals, updated=result.updated)
        # Not yet introduced (no group DM): each of the two gets it in their DM with the bot.
        channels = [result.pair.channel_id] if result.pair.channel_id else \
            [result.pair.mentee_user_id, result.pair.mentor_user_id]
        deps.outbox.send_all(client, team_id=result.pair.team_id, items=[Item(
            key=keys.goals(result.pair.id, result.role, forms.view_id(view), channel), kind="goals", channel=channel,
            text=message["text"], blocks=message.get("blocks") or [], pair_id=result.pair.id, user_id=user_id)
            for channel in channels])

    @app.view(View.CHECKIN)
    @explained
    def checkin_submitted(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
        team_id, user_id = context.team_id, context.user_id
        target = forms.checkin_target(view.get("private_metadata"))
        try:
            goal_ids = checkins.goal_ids(deps.db, team_id=team_id, user_id=user_id, target=target, now=deps.now())
            answers, errors = forms.parse_checkin_submission(forms.state_values(view), kind=target.kind,
                                                             goal_ids=goal_ids)
            if errors:
                ack(response_action="errors", errors=errors)
                return
            result = checkins.submit_checkin(deps.db, team_id=team_id, user_id=user_id, target=target,
                                             answers=answers, now=deps.now())
        except Refusal as e:
            ack(response_action="errors", errors={CheckinBlock.MET: checkin_words.refusal(e)})
            return
        ack()
        text = build_checkin_thanks(name=result.name, kind=result.row.kind, met=result.row.met,
                                    updated=not result.created, weekly=result.weekly)
        if result.pair.channel_id:
            client.chat_postEphemeral(channel=result.pair.channel_id, user=user_id, text=text)
        else:
            client.chat_postMessage(channel=user_id, text=text)

"""The settings modal's submission: checked as the command line checks (field errors keep the
modal open and change nothing); saved, the admin channel hears what changed (once)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks import settings as words
from bot.delivery import keys
from bot.delivery.outbox import Item
from bot.deps import Deps
from bot.services import workspace_settings
from bot.slack import forms
from bot.slack.ids import SettingsBlock, View
from bot.slack.trouble import explained


def register(app: App, deps: Deps) -> None:
    @app.view(View.SETTINGS)
    @explained
    def settings_submitted(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
        team_id, user_id = context.team_id, context.user_id
        if not deps.admins.is_admin(client, team_id=team_id, user_id=user_id):
            ack(response_action="errors", errors={SettingsBlock.LENGTH: words.NOT_AN_ADMIN})
            return
        options = forms.parse_settings_submission(forms.state_values(view))
        result = workspace_settings.update_settings(deps.db, team_id=team_id, options=options)
        if not result.ok:
            ack(response_action="errors", errors=words.field_errors(result.problems))
            return
        ack()
        channel = deps.admins.channel(team_id)
        if channel and result.changed:
            text = words.settings_changed(user_id=user_id, row=result.settings, changed=result.changed)
            deps.outbox.send_once(client, team_id=team_id, item=Item(
                key=keys.settings_changed(forms.view_id(view)), kind="settings_changed", channel=channel, text=text))

"""Bolt listeners, by surface (commands, actions, submissions, events), then by feature
(onboarding, pairs, rounds). `register(app, deps)` wires them all onto an App."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers import actions, commands, events, submissions


def register(app: App, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    submissions.register(app, deps)
    events.register(app, deps)

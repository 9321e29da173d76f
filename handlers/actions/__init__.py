"""Button listeners (block_actions), by feature."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers.actions import admin, onboarding, pairs, rounds, steering


def register(app: App, deps: Deps) -> None:
    onboarding.register(app, deps)
    pairs.register(app, deps)
    rounds.register(app, deps)
    admin.register(app, deps)
    steering.register(app, deps)

"""Modal submission listeners (view_submission), by feature."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers.submissions import onboarding, pairs, settings, steering


def register(app: App, deps: Deps) -> None:
    onboarding.register(app, deps)
    pairs.register(app, deps)
    steering.register(app, deps)
    settings.register(app, deps)

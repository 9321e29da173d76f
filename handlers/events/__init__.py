"""Events API listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers.events import home, installs


def register(app: App, deps: Deps) -> None:
    home.register(app, deps)
    installs.register(app, deps)

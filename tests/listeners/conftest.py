"""Listener tests: signed requests dispatched into the real app in process (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support.factories import paired

ANA, BEN = "U0ANA", "U0BEN"  # the shared pair's mentee and reverse mentor


@pytest.fixture
def pair(request):
    """Ana (mentee) and Ben (her reverse mentor), paired and introduced, on the harness the test
    uses (`bot` or `bot_on`), with the app's clock at the test module's `NOW`."""
    bot = request.getfixturevalue("bot_on" if "bot_on" in request.fixturenames else "bot")
    bot.clock.set(request.module.NOW)
    _, _, pair = paired(bot.db, mentee=dict(slack_user_id=ANA, name="Ana Silva"),
                        mentor=dict(slack_user_id=BEN, name="Ben Okafor"))
    return pair

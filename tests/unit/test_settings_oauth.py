"""Settings for installs in many workspaces over OAuth: the client ID and secret instead of a bot
token, checked with every other setting, all problems named at once."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

SECRET = "0123456789abcdef0123456789abcdef"
OAUTH = {"SLACK_CLIENT_ID": "1234567890.1234567890", "SLACK_CLIENT_SECRET": "abcdef0123456789abcdef0123456789",
         "SLACK_SIGNING_SECRET": SECRET}


def problems(env: dict) -> list[str]:
    with pytest.raises(SettingsError) as e:
        load_settings(env, dotenv=False)
    return e.value.problems


def test_a_bot_token_stays_the_default_single_workspace_mode():
    s = load_settings({"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": SECRET}, dotenv=False)
    assert not s.oauth and s.client_id is None and s.client_secret is None
    assert s.data_grace_days == 30


def test_the_client_id_and_secret_instead_of_a_bot_token_install_over_oauth():
    s = load_settings({**OAUTH, "SLACK_REDIRECT_URI": "https://m.example.com/slack/oauth_redirect",
                       "DATA_GRACE_DAYS": "0"}, dotenv=False)
    assert s.oauth and s.bot_token == "" and s.client_id == "1234567890.1234567890"
    assert s.redirect_uri == "https://m.example.com/slack/oauth_redirect" and s.data_grace_days == 0


def test_nothing_at_all_still_names_the_bot_token_and_says_how_to_install_in_many():
    found = problems({})
    assert found[0].startswith("SLACK_BOT_TOKEN is missing")
    assert "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead" in found[0]


def test_every_oauth_problem_is_named_at_once():
    found = problems({"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_CLIENT_ID": "my-app", "SLACK_SIGNING_SECRET": SECRET,
                      "SLACK_APP_TOKEN": "xapp-1-A", "MENTORING_ADMIN_CHANNEL": "C0ADMIN",
                      "SLACK_REDIRECT_URI": "https://m.example.com/oauth", "DATA_GRACE_DAYS": "1e1"})
    text = "\n".join(found)
    assert len(found) == 7, found
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set" in text
    assert "SLACK_CLIENT_ID should look like 1234567890.1234567890" in text
    assert "SLACK_CLIENT_SECRET is missing" in text
    assert "SLACK_APP_TOKEN (Socket Mode) can't go with SLACK_CLIENT_ID" in text
    assert "each workspace picks its own: a workspace admin runs `/mentoring admin-channel`" in text
    assert "SLACK_REDIRECT_URI must be your bot's public address ending in /slack/oauth_redirect" in text
    assert "DATA_GRACE_DAYS must be a whole number of days from 0 to 3650" in text and "got '1e1'" in text


def test_a_secret_without_its_client_id_and_a_redirect_uri_without_oauth_are_refused():
    assert [p.split(":")[0] for p in problems({"SLACK_CLIENT_SECRET": "abcdef0123456789",
                                               "SLACK_SIGNING_SECRET": SECRET})] == ["SLACK_CLIENT_ID is missing"]
    found = problems({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET,
                      "SLACK_REDIRECT_URI": "https://m.example.com/slack/oauth_redirect"})
    assert found == ["SLACK_REDIRECT_URI is only used with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installs over "
                     "OAuth); leave it unset with SLACK_BOT_TOKEN."]


@pytest.mark.parametrize("value", ["-1", "3651", "٣", "1_0", " ", "thirty"])
def test_the_grace_period_is_plain_days(value):
    if not value.strip():
        assert load_settings({**OAUTH, "DATA_GRACE_DAYS": value}, dotenv=False).data_grace_days == 30
        return
    assert any(p.startswith("DATA_GRACE_DAYS must be") for p in problems({**OAUTH, "DATA_GRACE_DAYS": value}))


def test_commands_that_only_use_the_database_need_no_slack_settings_in_either_mode():
    assert load_settings({}, dotenv=False, require_slack=False).oauth is False
    s = load_settings({"SLACK_CLIENT_ID": OAUTH["SLACK_CLIENT_ID"], "SLACK_CLIENT_SECRET": OAUTH["SLACK_CLIENT_SECRET"]},
                      dotenv=False, require_slack=False)
    assert s.oauth

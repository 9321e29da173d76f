"""manifest.yml is valid per Slack's schema and agrees with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import yaml
from slack_sdk import WebClient

from bot.slack.ids import COMMAND, SUBSCRIBED_EVENTS
from bot.slack.oauth import BOT_SCOPES, REDIRECT_PATH
from tests.support.fakeslack import specs_dir

ROOT = Path(__file__).resolve().parents[2]


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_the_schema_its_version_names():
    data = manifest()
    major = (data.get("_metadata") or {}).get("major_version", 1)
    schema = json.loads((specs_dir() / "manifest" / f"manifest.schema.{major}.0.0.json").read_text())
    jsonschema.validate(data, schema)


def test_declared_command_and_events_are_the_ones_the_code_handles():
    data = manifest()
    assert [c["command"] for c in data["features"]["slash_commands"]] == [COMMAND]
    assert sorted(data["settings"]["event_subscriptions"]["bot_events"]) == sorted(SUBSCRIBED_EVENTS)
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True


def test_installs_over_oauth_ask_for_the_manifests_scopes_and_come_back_to_the_bots_redirect_path():
    oauth = manifest()["oauth_config"]
    assert list(BOT_SCOPES) == oauth["scopes"]["bot"] and "user" not in oauth["scopes"]
    assert [urlsplit(u).path for u in oauth["redirect_urls"]] == [REDIRECT_PATH]
    assert [urlsplit(c["url"]).path for c in manifest()["features"]["slash_commands"]] == ["/slack/events"]
    assert manifest()["settings"]["org_deploy_enabled"] is False  # org-wide installs are refused


def test_every_declared_command_and_event_reaches_a_listener(bot):
    """Bolt answers 404 to requests no listener matches; every declared surface must answer 200."""
    for command in manifest()["features"]["slash_commands"]:
        status, _, _ = bot.slack.command("U0ANA", "help", command=command["command"])
        assert status == 200, command
    for event_type in manifest()["settings"]["event_subscriptions"]["bot_events"]:
        status, _, _ = bot.slack.event({"type": event_type, "user": "U0ANA", "tab": "home",
                                        "channel": "D0ANA", "event_ts": "1700000000.000100"})
        assert status == 200, event_type
    bot.fake.wait_for("views.publish")
    status, _, _ = bot.slack.event({"type": "reaction_added", "user": "U0ANA", "event_ts": "1.2"})
    assert status == 404  # so the checks above can fail


_SCOPE_ALIASES = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}
# slack_sdk helpers over methods newer than the 2021 spec, and the scopes Slack's docs give them:
# files_upload_v2 is files.getUploadURLExternal + files.completeUploadExternal (files:write).
_NEWER_METHODS = {"files.upload_v2": {"files:write"}}


def _scopes_of(spec: dict, method: str) -> list[set[str]] | None:
    """Each operation's scopes for a method; None for a method neither the spec nor Slack's docs know."""
    if method in _NEWER_METHODS:
        return [_NEWER_METHODS[method]]
    ops = spec["paths"].get(f"/{method}")
    if not ops:
        return None
    return [{_SCOPE_ALIASES.get(s, s) for sec in op.get("security", []) for s in sec.get("slackAuth", [])}
            for op in ops.values()]


def _web_api_methods_called_by_the_app() -> set[str]:
    """Web API methods named in the app's code as WebClient methods, called or handed to the pacer
    (client.chat_postMessage(...), pacer.call(client, team, client.users_info, ...))."""
    names = {n for n in dir(WebClient) if not n.startswith("_") and "_" in n} - {"api_call"}
    found = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        for name in re.findall(r"\.([a-z]+_[A-Za-z0-9_]+)\b", path.read_text()):
            if name in names:
                group, _, method = name.partition("_")
                found.add(f"{group}.{method}")
    return found


def test_the_manifest_grants_a_scope_for_every_web_api_method_the_code_calls():
    spec = json.loads((specs_dir() / "web-api" / "slack_web_openapi_v2.json").read_text())
    granted = set(manifest()["oauth_config"]["scopes"]["bot"])
    methods = _web_api_methods_called_by_the_app()
    assert {"chat.postMessage", "views.open", "users.info"} <= methods  # the scan works
    missing = {}
    for method in sorted(methods):
        ops = _scopes_of(spec, method)
        assert ops, f"{method} is not a Web API method in Slack's spec"
        for scopes in ops:
            if scopes and "none" not in scopes and not scopes & granted:
                missing[method] = sorted(scopes)
    assert not missing, f"manifest.yml lacks a scope for: {missing}"


def test_no_unused_scopes_are_requested():
    """Ask for what the app needs and no more: each scope serves some method the code calls."""
    spec = json.loads((specs_dir() / "web-api" / "slack_web_openapi_v2.json").read_text())
    used = {"commands"}  # slash commands need no Web API call
    for method in _web_api_methods_called_by_the_app():
        for scopes in _scopes_of(spec, method) or []:
            used |= scopes
    granted = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert granted <= used, f"scopes nothing uses: {sorted(granted - used)}"

"""Signed, real-format Slack requests to drive the app's HTTP endpoint like Slack does.

    req = SlackRequests("http://127.0.0.1:3000/slack/events", "signing-secret")
    status, headers, body = req.command("U1", "join")
    status, headers, body = req.block_action("U1", "approve", "42", message_ts="1700000000.000100")
    view = fake.last_call("views.open").json("view")        # the modal as the app opened it
    req.view_submission("U1", view, values_from_view(view, {"goal": plain("Learn Rust")}))

Every request method returns (status, headers, body) where body is parsed JSON when
the answer is JSON, else text. Requests go over HTTP to `url`, or, given `dispatch=`, straight
into the app in the same process (still signed, still verified by Bolt). Keyword options accepted by every request method:
bad_signature=True, timestamp=<int> (e.g. stale), headers={...} (e.g. X-Slack-Retry-Num).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import secrets
import time as _time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "SlackRequests",
    "checkboxes",
    "date",
    "multi",
    "number",
    "plain",
    "radio",
    "sign",
    "static",
    "conversation",
    "multi_users",
    "time",
    "time_",
    "users_select",
    "values_from_view",
]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def sign(body: bytes, secret: str, timestamp: int | None = None, content_type: str = FORM) -> dict[str, str]:
    """Headers Slack adds to a request: timestamp, v0 signature and Content-Type."""
    ts = int(_time.time()) if timestamp is None else int(timestamp)
    base = b"v0:" + str(ts).encode() + b":" + body
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sig,
        "Content-Type": content_type,
    }


# --------------------------------------------------------------------------- state value helpers


def _opt(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):  # already an option object
        return v
    return {"text": {"type": "plain_text", "text": str(v), "emoji": True}, "value": str(v)}


def plain(v: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": v}


def static(v: Any) -> dict[str, Any]:
    """static_select state; v may be a value, an option dict, or None (nothing selected)."""
    return {"type": "static_select", "selected_option": None if v is None else _opt(v)}


def multi(vs: list[Any] | None) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [_opt(v) for v in (vs or [])]}


def number(v: Any) -> dict[str, Any]:
    return {"type": "number_input", "value": None if v is None else str(v)}


def radio(v: Any) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": None if v is None else _opt(v)}


def checkboxes(vs: list[Any] | None) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [_opt(v) for v in (vs or [])]}


def date(v: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": v}


def time(v: str | None) -> dict[str, Any]:
    """timepicker state, v like "09:30"."""
    return {"type": "timepicker", "selected_time": v}


time_ = time  # alias that does not shadow the stdlib module name at call sites


def users_select(v: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": v}


def multi_users(vs: list[str] | None) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": list(vs or [])}


def conversation(v: str | None) -> dict[str, Any]:
    return {"type": "conversations_select", "selected_conversation": v}



# element type -> (initial key, state key, empty value)
_STATE_KEYS: dict[str, tuple[str, str, Any]] = {
    "plain_text_input": ("initial_value", "value", None),
    "email_text_input": ("initial_value", "value", None),
    "url_text_input": ("initial_value", "value", None),
    "number_input": ("initial_value", "value", None),
    "rich_text_input": ("initial_value", "rich_text_value", None),
    "static_select": ("initial_option", "selected_option", None),
    "external_select": ("initial_option", "selected_option", None),
    "radio_buttons": ("initial_option", "selected_option", None),
    "multi_static_select": ("initial_options", "selected_options", []),
    "multi_external_select": ("initial_options", "selected_options", []),
    "checkboxes": ("initial_options", "selected_options", []),
    "users_select": ("initial_user", "selected_user", None),
    "multi_users_select": ("initial_users", "selected_users", []),
    "conversations_select": ("initial_conversation", "selected_conversation", None),
    "multi_conversations_select": ("initial_conversations", "selected_conversations", []),
    "channels_select": ("initial_channel", "selected_channel", None),
    "multi_channels_select": ("initial_channels", "selected_channels", []),
    "datepicker": ("initial_date", "selected_date", None),
    "timepicker": ("initial_time", "selected_time", None),
    "datetimepicker": ("initial_date_time", "selected_date_time", None),
}


def _stateful_elements(view: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """block_id -> action_id -> element, for every element whose state Slack reports."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for b in view.get("blocks") or []:
        if not isinstance(b, dict):
            continue
        bid = b.get("block_id")
        els: list[dict[str, Any]] = []
        if b.get("type") == "input" and isinstance(b.get("element"), dict):
            els = [b["element"]]
        elif b.get("type") == "actions":
            els = [e for e in b.get("elements") or [] if isinstance(e, dict)]
        elif b.get("type") == "section" and isinstance(b.get("accessory"), dict):
            els = [b["accessory"]]
        els = [e for e in els if e.get("type") in _STATE_KEYS]
        if not els:
            continue
        if not bid:
            raise ValueError(f"block without block_id holds state ({b.get('type')}); "
                             "Slack would generate a random block_id the app could not read back")
        for e in els:
            if not e.get("action_id"):
                raise ValueError(f"element in block {bid!r} has no action_id")
            out.setdefault(bid, {})[e["action_id"]] = e
    return out


def _all_options(el: dict[str, Any]) -> list[dict[str, Any]]:
    opts = list(el.get("options") or [])
    for g in el.get("option_groups") or []:
        opts.extend(g.get("options") or [])
    return opts


def _match_option(el: dict[str, Any], opt: dict[str, Any], where: str) -> dict[str, Any]:
    options = _all_options(el)
    if not options:  # external selects: any option
        return opt
    for o in options:
        if o.get("value") == opt.get("value"):
            return copy.deepcopy(o)
    raise ValueError(f"{where}: value {opt.get('value')!r} is not one of the element's options "
                     f"{[o.get('value') for o in options]}")


def _normalise_value(el: dict[str, Any], value: dict[str, Any], where: str) -> dict[str, Any]:
    etype = el.get("type")
    if value.get("type") != etype:
        raise ValueError(f"{where}: element is {etype!r} but the submitted value is {value.get('type')!r}")
    value = copy.deepcopy(value)
    if value.get("selected_option"):
        value["selected_option"] = _match_option(el, value["selected_option"], where)
    if value.get("selected_options"):
        value["selected_options"] = [_match_option(el, o, where) for o in value["selected_options"]]
    return value


def values_from_view(view: dict[str, Any], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """state.values for `view` as Slack would send it if the user submitted the prefilled form,
    then `overrides` applied: {block_id: value-dict} (for the block's only element) or
    {block_id: {action_id: value-dict}}. Selected options are matched against the element's
    options (ValueError if the value is not offered; types must match)."""
    elements = _stateful_elements(view)
    values: dict[str, dict[str, Any]] = {}
    for bid, els in elements.items():
        for aid, el in els.items():
            etype = el["type"]
            init_key, state_key, empty = _STATE_KEYS[etype]
            init = el.get(init_key, copy.deepcopy(empty))
            if etype == "number_input" and init is not None:
                init = str(init)
            values.setdefault(bid, {})[aid] = {"type": etype, state_key: copy.deepcopy(init)}
    for bid, ov in (overrides or {}).items():
        if bid not in elements:
            raise ValueError(f"override for block_id {bid!r}, but the view has stateful blocks "
                             f"{sorted(elements)}")
        if isinstance(ov, dict) and isinstance(ov.get("type"), str):
            if len(elements[bid]) != 1:
                raise ValueError(f"block {bid!r} has several elements {sorted(elements[bid])}: "
                                 "give {action_id: value}")
            ov = {next(iter(elements[bid])): ov}
        for aid, v in ov.items():
            if aid not in elements[bid]:
                raise ValueError(f"block {bid!r} has no element with action_id {aid!r}")
            values[bid][aid] = _normalise_value(elements[bid][aid], v, f"{bid}.{aid}")
    return values


# --------------------------------------------------------------------------- client


class SlackRequests:
    """Sends signed requests in Slack's real formats to the app's endpoint."""

    _seq = itertools.count(1)

    def __init__(
        self,
        url: str,
        signing_secret: str,
        team_id: str = "T0001",
        team_domain: str = "acme",
        *,
        api_app_id: str = "A0APP",
        verification_token: str = "verification-token",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        response_url_base: str = "https://hooks.slack.com/",
        user_names: dict[str, str] | None = None,
        timeout: float = 10.0,
        dispatch: Callable[[bytes, dict[str, str]], tuple[int, dict[str, str], bytes]] | None = None,
    ) -> None:
        """`dispatch(body, headers) -> (status, headers, body)`: deliver in process instead of
        over HTTP (e.g. to Bolt's `app.dispatch`); `url` is then unused."""
        self.url = url
        self.dispatch = dispatch
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.response_url_base = response_url_base  # e.g. fake.hooks_base_url
        self.user_names = dict(user_names or {})
        self.timeout = timeout

    # ---------------------------------------------------------------- transport
    def send(self, body: bytes, content_type: str = FORM, *, bad_signature: bool = False,
             timestamp: int | None = None, headers: dict[str, str] | None = None,
             ) -> tuple[int, dict[str, str], Any]:
        secret = self.signing_secret + "-wrong" if bad_signature else self.signing_secret
        hdrs = sign(body, secret, timestamp, content_type)
        hdrs.update(headers or {})
        if self.dispatch is not None:
            status, resp_headers, raw = self.dispatch(body, hdrs)
            return status, resp_headers, _parse_body(resp_headers, raw)
        req = urllib.request.Request(self.url, data=body, headers=hdrs, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, dict(resp.headers.items()), _parse_body(resp.headers, resp.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers.items()), _parse_body(e.headers, e.read())

    def send_form(self, fields: dict[str, Any], **opts: Any) -> tuple[int, dict[str, str], Any]:
        return self.send(urlencode(fields).encode(), FORM, **opts)

    def send_payload(self, payload: dict[str, Any], **opts: Any) -> tuple[int, dict[str, str], Any]:
        """Interactivity: form-encoded `payload=<json>`, as Slack sends it."""
        return self.send_form({"payload": json.dumps(payload, separators=(",", ":"))}, **opts)

    def send_json(self, data: dict[str, Any], **opts: Any) -> tuple[int, dict[str, str], Any]:
        return self.send(json.dumps(data).encode(), JSON, **opts)

    # ---------------------------------------------------------------- ids
    def new_trigger_id(self) -> str:
        # Slack's shape: "<digits>.<digits>.<32 hex>", e.g. "13345224609.738474920.8088930838d88f008e0"
        return f"{int(_time.time() * 1000)}{next(self._seq)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"

    def new_response_url(self, kind: str = "actions") -> str:
        return f"{self.response_url_base}{kind}/{self.team_id}/{next(self._seq)}{secrets.randbelow(10**9)}/{secrets.token_hex(12)}"

    def _user(self, user_id: str, user_name: str | None = None) -> dict[str, str]:
        name = user_name or self.user_names.get(user_id) or user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.team_domain}

    @staticmethod
    def _action_ts() -> str:
        return f"{_time.time():.6f}"

    # ---------------------------------------------------------------- slash commands
    def command(self, user_id: str, text: str = "", command: str = "/mentoring",
                channel_id: str = "C0GENERAL", trigger_id: str | None = None,
                response_url: str | None = None, *, user_name: str | None = None,
                channel_name: str | None = None, **opts: Any) -> tuple[int, dict[str, str], Any]:
        if channel_name is None:
            channel_name = {"D": "directmessage", "G": "privategroup"}.get(channel_id[:1], "general")
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or self.user_names.get(user_id) or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self.new_response_url("commands"),
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        return self.send_form(fields, **opts)

    # ---------------------------------------------------------------- interactivity
    def block_action_payload(
        self, user_id: str, action_id: str, value: str | None = None, *, block_id: str | None = None,
        channel_id: str | None = None, message_ts: str | None = None, view: dict[str, Any] | None = None,
        trigger_id: str | None = None, container: dict[str, Any] | None = None,
        selected_option: Any = None, selected_options: list[Any] | None = None,
        action_type: str | None = None, message: dict[str, Any] | None = None,
        state_values: dict[str, Any] | None = None, extra_action: dict[str, Any] | None = None,
        user_name: str | None = None,
    ) -> dict[str, Any]:
        blocks = (view or {}).get("blocks") or (message or {}).get("blocks") or []
        found_block, element = _find_element(blocks, action_id)
        if block_id is None:
            block_id = found_block or secrets.token_hex(3)
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": self._action_ts()}
        if selected_option is not None:
            action["type"] = action_type or (element or {}).get("type") or "static_select"
            action["selected_option"] = _opt(selected_option)
        elif selected_options is not None:
            action["type"] = action_type or (element or {}).get("type") or "multi_static_select"
            action["selected_options"] = [_opt(o) for o in selected_options]
        else:
            action["type"] = action_type or (element or {}).get("type") or "button"
            if action["type"] == "button":
                if value is None and element is not None:
                    value = element.get("value")
                action["text"] = (element or {}).get("text") or {"type": "plain_text", "text": action_id, "emoji": True}
                if element is not None and element.get("style"):
                    action["style"] = element["style"]
            if value is not None:
                action["value"] = value
        action.update(extra_action or {})

        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            full = self._full_view(view, state_values)
            payload["container"] = container or {"type": "view", "view_id": full["id"]}
            payload["view"] = full
            payload["state"] = {"values": full["state"]["values"]}
        else:
            channel_id = channel_id or "C0GENERAL"
            message_ts = message_ts or (message or {}).get("ts") or f"{_time.time():.6f}"
            msg = {
                "user": self.bot_user_id, "type": "message", "ts": message_ts, "bot_id": self.bot_id,
                "app_id": self.api_app_id, "text": "", "team": self.team_id, "blocks": [],
            }
            msg.update(message or {})
            msg["ts"] = message_ts
            payload["container"] = container or {"type": "message", "message_ts": message_ts,
                                                 "channel_id": channel_id, "is_ephemeral": False}
            payload["channel"] = {"id": channel_id, "name": "directmessage" if channel_id[:1] == "D" else "general"}
            payload["message"] = msg
            payload["state"] = {"values": state_values or {}}
            payload["response_url"] = self.new_response_url("actions")
        payload["actions"] = [action]
        return payload

    def block_action(self, user_id: str, action_id: str, value: str | None = None, *,
                     bad_signature: bool = False, timestamp: int | None = None,
                     headers: dict[str, str] | None = None, **kw: Any) -> tuple[int, dict[str, str], Any]:
        """A `block_actions` payload: button by default; pass selected_option(s) for selects.
        With view=... the container is that view (modal/home); else a message in channel_id.
        block_id and the button text are looked up in view/message blocks when omitted."""
        payload = self.block_action_payload(user_id, action_id, value, **kw)
        return self.send_payload(payload, bad_signature=bad_signature, timestamp=timestamp, headers=headers)

    def _full_view(self, view: dict[str, Any], values: dict[str, Any] | None = None) -> dict[str, Any]:
        """The view as Slack echoes it in payloads (ids, hash, state)."""
        vid = view.get("id") or f"V{secrets.token_hex(5).upper()}"
        full = {
            "id": vid,
            "team_id": view.get("team_id", self.team_id),
            "type": view.get("type", "modal"),
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": values if values is not None else values_from_view(view)},
            "hash": view.get("hash") or f"{int(_time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title") or {"type": "plain_text", "text": "Modal", "emoji": True},
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": view.get("previous_view_id"),
            "root_view_id": view.get("root_view_id") or vid,
            "app_id": view.get("app_id", self.api_app_id),
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": view.get("bot_id", self.bot_id),
        }
        return full

    def view_submission_payload(self, user_id: str, view: dict[str, Any],
                                values: dict[str, Any] | None = None, trigger_id: str | None = None,
                                *, user_name: str | None = None,
                                response_urls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "view": self._full_view(view, values),
            "response_urls": response_urls or [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def view_submission(self, user_id: str, view: dict[str, Any], values: dict[str, Any] | None = None,
                        trigger_id: str | None = None, *, user_name: str | None = None,
                        response_urls: list[dict[str, Any]] | None = None,
                        **opts: Any) -> tuple[int, dict[str, str], Any]:
        """Submit `view` (as the app opened it) with state `values` (default: prefilled values,
        see values_from_view)."""
        payload = self.view_submission_payload(user_id, view, values, trigger_id,
                                               user_name=user_name, response_urls=response_urls)
        return self.send_payload(payload, **opts)

    def view_closed(self, user_id: str, view: dict[str, Any], *, is_cleared: bool = False,
                    user_name: str | None = None, **opts: Any) -> tuple[int, dict[str, str], Any]:
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": self._full_view(view),
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.send_payload(payload, **opts)

    def shortcut(self, user_id: str, callback_id: str, *, user_name: str | None = None,
                 trigger_id: str | None = None, **opts: Any) -> tuple[int, dict[str, str], Any]:
        """A global shortcut."""
        payload = {
            "type": "shortcut", "token": self.verification_token, "action_ts": self._action_ts(),
            "team": self._team(), "user": self._user(user_id, user_name), "is_enterprise_install": False,
            "enterprise": None, "callback_id": callback_id, "trigger_id": trigger_id or self.new_trigger_id(),
        }
        return self.send_payload(payload, **opts)

    # ---------------------------------------------------------------- Events API
    def event_envelope(self, event: dict[str, Any], event_id: str | None = None, *,
                       event_time: int | None = None) -> dict[str, Any]:
        now = int(_time.time()) if event_time is None else event_time
        event = dict(event)
        event.setdefault("event_ts", f"{now}.{next(self._seq):06d}")
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": now,
            "authorizations": [{
                "enterprise_id": None, "team_id": self.team_id, "user_id": self.bot_user_id,
                "is_bot": True, "is_enterprise_install": False,
            }],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(24)}",
        }

    def event(self, event: dict[str, Any], event_id: str | None = None, *, event_time: int | None = None,
              retry_num: int | None = None, retry_reason: str = "http_timeout",
              **opts: Any) -> tuple[int, dict[str, str], Any]:
        """An Events API `event_callback`. retry_num adds X-Slack-Retry-Num/-Reason headers."""
        headers = dict(opts.pop("headers", None) or {})
        if retry_num is not None:
            headers.setdefault("X-Slack-Retry-Num", str(retry_num))
            headers.setdefault("X-Slack-Retry-Reason", retry_reason)
        return self.send_json(self.event_envelope(event, event_id, event_time=event_time),
                              headers=headers, **opts)

    def app_home_opened(self, user_id: str, tab: str = "home", **opts: Any) -> tuple[int, dict[str, str], Any]:
        return self.event({"type": "app_home_opened", "user": user_id, "channel": "D" + user_id[1:],
                           "tab": tab}, **opts)

    def url_verification(self, challenge: str, **opts: Any) -> tuple[int, dict[str, str], Any]:
        return self.send_json({"token": self.verification_token, "challenge": challenge,
                               "type": "url_verification"}, **opts)


def _find_element(blocks: list[Any], action_id: str) -> tuple[str | None, dict[str, Any] | None]:
    for b in blocks or []:
        if not isinstance(b, dict):
            continue
        els: list[Any] = []
        if isinstance(b.get("elements"), list):
            els += b["elements"]
        for key in ("accessory", "element"):
            if isinstance(b.get(key), dict):
                els.append(b[key])
        for e in els:
            if isinstance(e, dict) and e.get("action_id") == action_id:
                return b.get("block_id"), e
    return None, None


def _parse_body(headers: Any, raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    ctype = headers.get("Content-Type", "") if headers is not None else ""
    if "json" in ctype or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text

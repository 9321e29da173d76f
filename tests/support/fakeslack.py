"""A fake Slack Web API server for tests and benchmarks.

It runs a real HTTP server on 127.0.0.1 (OS-assigned port) so that the app's own
``slack_sdk.WebClient(base_url=fake.base_url)`` talks to it unchanged.

* Methods and their required parameters come from Slack's OpenAPI spec
  (``tests/slack_specs/web-api/slack_web_openapi_v2.json``, a copy of slackapi/slack-api-specs). Unknown methods and
  calls missing a required parameter are refused as Slack would refuse them, and
  reported in ``fake.violations``.
* Block Kit limits that the spec does not encode are checked by ``check_blocks``
  / ``check_view`` / ``check_message`` (pure functions, unit-testable).
* Every call is recorded (``fake.calls``), with the token it carried (``call.token``) and the
  workspace that token belongs to (``call.team_hint``); failures (refusals, injected faults,
  429s) are recorded too, with ``call.ok = False`` and ``call.status``.
* Several workspaces: ``add_team`` / ``set_token_team`` attribute tokens to workspaces; users
  and channels belong to one (``add_user(team_id=...)``, ``add_channel(team_id=...)``). A call
  that reaches into another workspace's channel or user is answered as Slack would
  (``channel_not_found``, ``user_not_found``) and reported as a violation.
* OAuth installs (``enable_oauth``): Slack's consent screen (``GET /oauth/v2/authorize``,
  answered as the person installing would, set with ``next_install``), ``oauth.v2.access`` for
  the code (a token per workspace) and, with token rotation on, for refresh tokens (single use,
  as Slack's are); ``uninstall(team)`` revokes every token of a workspace.

Typical use::

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        ...
        fake.wait_for("chat.postMessage")
        fake.assert_clean()
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = [
    "BLOCK_TYPES",
    "Call",
    "FakeSlack",
    "MethodSpec",
    "check_blocks",
    "check_message",
    "check_view",
    "load_method_specs",
    "specs_dir",
]

# --------------------------------------------------------------------------- spec


def specs_dir() -> Path:
    """Slack's specs, kept in the repository (see tests/slack_specs/README.md)."""
    return Path(__file__).resolve().parent / "slack_specs"


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: frozenset[str]
    required: frozenset[str]
    # Parameters the spec marks optional but Slack needs at run time (see RUNTIME_REQUIRED).
    runtime_required: frozenset[str] = frozenset()
    # Groups of parameters of which Slack needs at least one (e.g. conversations.open).
    one_of: tuple[frozenset[str], ...] = ()
    source: str = "spec"  # "spec" or "allow-list"


# Newer methods missing from the 2021 spec: name -> required params.
EXTRA_METHODS: dict[str, tuple[str, ...]] = {
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "apps.connections.open": (),
    "apps.manifest.validate": ("manifest",),
    "conversations.externalInvitePermissions.set": ("action", "channel", "target_team"),
    "assistant.threads.setStatus": ("channel_id", "thread_ts", "status"),
    "assistant.threads.setSuggestedPrompts": ("channel_id", "thread_ts", "prompts"),
    "assistant.threads.setTitle": ("channel_id", "thread_ts", "title"),
    "team.externalTeams.list": (),
}

# The 2021 spec marks these parameters optional, but Slack refuses calls without them
# (e.g. users.info without `user` -> user_not_found). Enforced unless
# FakeSlack(strict_runtime=False).
RUNTIME_REQUIRED: dict[str, tuple[str, ...]] = {
    "chat.delete": ("channel", "ts"),
    "chat.scheduleMessage": ("channel", "post_at"),
    "chat.getPermalink": ("channel", "message_ts"),
    "conversations.members": ("channel",),
    "conversations.info": ("channel",),
    "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "conversations.invite": ("channel", "users"),
    "conversations.join": ("channel",),
    "users.info": ("user",),
    "users.lookupByEmail": ("email",),
    "views.update": ("view",),
    "reactions.add": ("channel", "name", "timestamp"),
}
ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {
    "conversations.open": (("channel", "users"),),
    "views.update": (("view_id", "external_id"),),
}

# Authenticated with the app's client ID and secret (HTTP Basic or parameters), not a token.
CLIENT_AUTH_METHODS = frozenset({"oauth.v2.access"})
# Parameters Slack added after the 2021 spec: oauth.v2.access takes grant_type=refresh_token and
# a refresh_token instead of a code (token rotation).
SPEC_ADDITIONS: dict[str, dict[str, Any]] = {
    "oauth.v2.access": {"params": ("grant_type", "refresh_token"), "not_required": ("code",),
                        "one_of": (("code", "refresh_token"),)},
}

# In the 2021 spec but retired by Slack since: refused with `method_deprecated`.
RETIRED_METHODS: dict[str, str] = {
    "files.upload": "sunset 2025-11-12; use files.getUploadURLExternal + files.completeUploadExternal "
                    "(slack_sdk files_upload_v2)",
    "workflows.stepCompleted": "Steps from Apps retired 2024-09",
    "workflows.stepFailed": "Steps from Apps retired 2024-09",
    "workflows.updateStep": "Steps from Apps retired 2024-09",
}

_IGNORED_PARAMS = {"token"}


@functools.lru_cache(maxsize=4)
def _load_spec_file(path: str) -> dict[str, MethodSpec]:
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    methods: dict[str, MethodSpec] = {}
    for path_name, ops in spec["paths"].items():
        name = path_name.lstrip("/")
        params: set[str] = set()
        required: set[str] = set()
        for op in ops.values():  # one verb per path in this spec, but be general
            for p in op.get("parameters", []):
                if p.get("in") not in ("formData", "query", "body"):
                    continue  # `token` is in: header for most methods
                pname = p.get("name")
                if not pname or pname in _IGNORED_PARAMS:
                    continue
                params.add(pname)
                if p.get("required") is True:
                    required.add(pname)
        methods[name] = MethodSpec(name, frozenset(params), frozenset(required))
    return methods


def load_method_specs(path: str | os.PathLike | None = None) -> dict[str, MethodSpec]:
    """Known Web API methods: the OpenAPI spec plus EXTRA_METHODS, with RUNTIME_REQUIRED / ONE_OF."""
    p = Path(path) if path else specs_dir() / "web-api" / "slack_web_openapi_v2.json"
    base = dict(_load_spec_file(str(p)))
    for name, req in EXTRA_METHODS.items():
        if name not in base:
            base[name] = MethodSpec(name, frozenset(req), frozenset(req), source="allow-list")
    out: dict[str, MethodSpec] = {}
    for name, ms in base.items():
        rt = frozenset(RUNTIME_REQUIRED.get(name, ())) - ms.required
        oo = tuple(frozenset(g) for g in ONE_OF.get(name, ()))
        params, required = ms.params, ms.required
        added = SPEC_ADDITIONS.get(name)
        if added:
            params = params | frozenset(added["params"])
            required = required - frozenset(added["not_required"])
            oo += tuple(frozenset(g) for g in added["one_of"])
        out[name] = MethodSpec(name, params | rt, required, rt, oo, ms.source)
    return out


# --------------------------------------------------------------------------- Block Kit checks

BLOCK_TYPES = frozenset(
    {
        "actions", "context", "divider", "file", "header", "image", "input", "rich_text",
        "section", "video", "markdown", "call", "table", "context_actions",
    }
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
SELECT_WITH_OPTIONS = frozenset({"static_select", "multi_static_select"})
OPTION_ELEMENT_LIMITS = {
    "static_select": 100, "multi_static_select": 100, "overflow": 5,
    "radio_buttons": 10, "checkboxes": 10,
}
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"})
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict):
        t = obj.get("text")
        return t if isinstance(t, str) else None
    return None


def _check_text(obj: Any, where: str, max_len: int, out: list[str], *,
                plain_only: bool = False, required: bool = True) -> None:
    if obj is None:
        if required:
            out.append(f"{where}: missing text object")
        return
    if not isinstance(obj, dict):
        out.append(f"{where}: text must be a text object, got {type(obj).__name__}")
        return
    ttype = obj.get("type")
    allowed = {"plain_text"} if plain_only else TEXT_TYPES
    if ttype not in allowed:
        out.append(f"{where}: text type must be one of {sorted(allowed)}, got {ttype!r}")
    text = obj.get("text")
    if not isinstance(text, str):
        out.append(f"{where}: text.text must be a string")
        return
    if len(text) == 0:
        out.append(f"{where}: text must not be empty")
    if len(text) > max_len:
        out.append(f"{where}: text is {len(text)} chars, max {max_len}")


def _check_option(opt: Any, where: str, out: list[str]) -> None:
    if not isinstance(opt, dict):
        out.append(f"{where}: option must be an object")
        return
    _check_text(opt.get("text"), where, 75, out)
    value = opt.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > 150):
        out.append(f"{where}: option value must be a string of at most 150 chars, got {value!r:.60}")
    if opt.get("description") is not None:
        _check_text(opt.get("description"), f"{where}.description", 75, out, plain_only=True)


def _check_element(el: Any, where: str, out: list[str], action_ids: set[str], *,
                   unique_action_ids: set[str] | None) -> None:
    if not isinstance(el, dict):
        out.append(f"{where}: element must be an object")
        return
    etype = el.get("type")
    if not isinstance(etype, str):
        out.append(f"{where}: element without type")
        return
    where = f"{where}({etype})"
    if etype in TEXT_TYPES or etype == "image":  # context elements
        if etype in TEXT_TYPES:
            _check_text(el, where, 3000, out)
        return
    aid = el.get("action_id")
    if aid is not None:
        if not isinstance(aid, str) or not aid or len(aid) > 255:
            out.append(f"{where}: action_id must be 1..255 chars, got {aid!r:.60}")
        else:
            if aid in action_ids:
                out.append(f"{where}: duplicate action_id {aid!r} in the same block")
            action_ids.add(aid)
            if unique_action_ids is not None:
                if aid in unique_action_ids:
                    out.append(f"{where}: duplicate action_id {aid!r} in the same surface")
                unique_action_ids.add(aid)
    if etype == "button":
        _check_text(el.get("text"), where, 75, out, plain_only=True)
        if el.get("value") is not None and len(str(el["value"])) > 2000:
            out.append(f"{where}: button value longer than 2000")
        if el.get("url") is not None and len(str(el["url"])) > 3000:
            out.append(f"{where}: button url longer than 3000")
        if el.get("style") not in (None, "primary", "danger"):
            out.append(f"{where}: button style must be primary or danger, got {el.get('style')!r}")
    if el.get("placeholder") is not None:
        _check_text(el.get("placeholder"), f"{where}.placeholder", 150, out, plain_only=True)
    if etype in OPTION_ELEMENT_LIMITS:
        limit = OPTION_ELEMENT_LIMITS[etype]
        options = el.get("options")
        groups = el.get("option_groups")
        if options is None and groups is None:
            out.append(f"{where}: needs options or option_groups")
        if options is not None:
            if not isinstance(options, list) or not options:
                out.append(f"{where}: options must be a non-empty list")
            else:
                if len(options) > limit:
                    out.append(f"{where}: {len(options)} options, max {limit}")
                for i, o in enumerate(options):
                    _check_option(o, f"{where}.options[{i}]", out)
        if groups is not None:
            if etype not in SELECT_WITH_OPTIONS:
                out.append(f"{where}: option_groups not allowed")
            elif not isinstance(groups, list) or len(groups) > 100:
                out.append(f"{where}: option_groups must be a list of at most 100")
            else:
                for gi, g in enumerate(groups):
                    gopts = g.get("options") if isinstance(g, dict) else None
                    if not isinstance(gopts, list) or len(gopts) > 100:
                        out.append(f"{where}.option_groups[{gi}]: at most 100 options")
                        continue
                    _check_text(g.get("label"), f"{where}.option_groups[{gi}].label", 75, out, plain_only=True)
                    for i, o in enumerate(gopts):
                        _check_option(o, f"{where}.option_groups[{gi}].options[{i}]", out)
        for key in ("initial_option",):
            if el.get(key) is not None:
                _check_option(el[key], f"{where}.{key}", out)
        for i, o in enumerate(el.get("initial_options") or []):
            _check_option(o, f"{where}.initial_options[{i}]", out)
    if etype == "plain_text_input":
        ml = el.get("max_length")
        if ml is not None and (not isinstance(ml, int) or ml > 3000):
            out.append(f"{where}: max_length must be an int of at most 3000")
        iv = el.get("initial_value")
        if isinstance(iv, str) and isinstance(ml, int) and len(iv) > ml:
            out.append(f"{where}: initial_value longer than max_length")
    if el.get("confirm") is not None:
        c = el["confirm"]
        if not isinstance(c, dict):
            out.append(f"{where}.confirm: must be an object")
        else:
            _check_text(c.get("title"), f"{where}.confirm.title", 100, out, plain_only=True)
            _check_text(c.get("text"), f"{where}.confirm.text", 300, out)
            _check_text(c.get("confirm"), f"{where}.confirm.confirm", 30, out, plain_only=True)
            _check_text(c.get("deny"), f"{where}.confirm.deny", 30, out, plain_only=True)


def check_blocks(blocks: Any, *, surface: str = "message", action_id_scope: str = "block") -> list[str]:
    """Check a list of Block Kit blocks against Slack's documented limits.

    surface: "message", "modal" or "home" (block count limit 50 / 100 / 100).
    action_id_scope: "block" (Slack's rule: unique within the containing block) or
    "surface" (stricter: unique within the whole message/view).
    Returns human-readable problems; empty means valid.
    """
    out: list[str] = []
    if surface not in MAX_BLOCKS:
        raise ValueError(f"unknown surface {surface!r}")
    if not isinstance(blocks, list):
        return [f"{surface}: blocks must be a JSON array, got {type(blocks).__name__}"]
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        out.append(f"{surface}: {len(blocks)} blocks, max {limit}")
    block_ids: set[str] = set()
    surface_aids: set[str] | None = set() if action_id_scope == "surface" else None
    for i, b in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(b, dict):
            out.append(f"{where}: block must be an object")
            continue
        btype = b.get("type")
        if btype not in BLOCK_TYPES:
            out.append(f"{where}: invalid block type {btype!r}")
            continue
        where = f"{where}({btype})"
        bid = b.get("block_id")
        if bid is not None:
            if not isinstance(bid, str) or not bid or len(bid) > 255:
                out.append(f"{where}: block_id must be 1..255 chars, got {bid!r:.60}")
            elif bid in block_ids:
                out.append(f"{where}: duplicate block_id {bid!r}")
            else:
                block_ids.add(bid)
        aids: set[str] = set()

        def el(e: Any, w: str, _aids: set[str] = aids) -> None:
            _check_element(e, w, out, _aids, unique_action_ids=surface_aids)

        if btype == "section":
            text, fields = b.get("text"), b.get("fields")
            if text is None and not fields:
                out.append(f"{where}: needs text or fields")
            if text is not None:
                _check_text(text, f"{where}.text", 3000, out)
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    out.append(f"{where}: fields must be a list of at most 10")
                else:
                    for j, f in enumerate(fields):
                        _check_text(f, f"{where}.fields[{j}]", 2000, out)
            if b.get("accessory") is not None:
                el(b["accessory"], f"{where}.accessory")
        elif btype == "header":
            _check_text(b.get("text"), f"{where}.text", 150, out, plain_only=True)
        elif btype == "actions":
            els = b.get("elements")
            if not isinstance(els, list) or not els or len(els) > 25:
                out.append(f"{where}: elements must be a list of 1..25")
            else:
                for j, e in enumerate(els):
                    el(e, f"{where}.elements[{j}]")
        elif btype == "context":
            els = b.get("elements")
            if not isinstance(els, list) or not els or len(els) > 10:
                out.append(f"{where}: elements must be a list of 1..10")
            else:
                for j, e in enumerate(els):
                    el(e, f"{where}.elements[{j}]")
        elif btype == "input":
            _check_text(b.get("label"), f"{where}.label", 2000, out, plain_only=True)
            if b.get("hint") is not None:
                _check_text(b.get("hint"), f"{where}.hint", 2000, out, plain_only=True)
            if b.get("element") is None:
                out.append(f"{where}: input block needs an element")
            else:
                el(b["element"], f"{where}.element")
        elif btype == "image":
            if not b.get("image_url") and not b.get("slack_file"):
                out.append(f"{where}: image needs image_url or slack_file")
            alt = b.get("alt_text")
            if not isinstance(alt, str) or not alt or len(alt) > 2000:
                out.append(f"{where}: alt_text must be 1..2000 chars")
            if b.get("title") is not None:
                _check_text(b["title"], f"{where}.title", 2000, out, plain_only=True)
    return out


def _check_top_text(obj: Any, name: str, out: list[str], *, required: bool) -> None:
    if obj is None:
        if required:
            out.append(f"view.{name}: required")
        return
    _check_text(obj, f"view.{name}", 24, out, plain_only=True)


def check_view(view: Any, *, method: str | None = None, action_id_scope: str = "block") -> list[str]:
    """Check a view payload (modal or home tab)."""
    if not isinstance(view, dict):
        return [f"view must be a JSON object, got {type(view).__name__}"]
    out: list[str] = []
    vtype = view.get("type")
    if vtype not in ("modal", "home"):
        out.append(f"view.type must be 'modal' or 'home', got {vtype!r}")
        return out
    if method == "views.publish" and vtype != "home":
        out.append(f"views.publish needs a view of type home, got {vtype!r}")
    if method in ("views.open", "views.push") and vtype != "modal":
        out.append(f"{method} needs a view of type modal, got {vtype!r}")
    blocks = view.get("blocks")
    if blocks is None:
        out.append("view.blocks: required")
        blocks = []
    if vtype == "modal":
        _check_top_text(view.get("title"), "title", out, required=True)
        _check_top_text(view.get("close"), "close", out, required=False)
        _check_top_text(view.get("submit"), "submit", out, required=False)
        if (isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
                and view.get("submit") is None):
            out.append("view.submit: required when the modal has input blocks")
    pm = view.get("private_metadata")
    if pm is not None and (not isinstance(pm, str) or len(pm) > 3000):
        out.append(f"view.private_metadata: must be a string of at most 3000 chars (got {len(str(pm))})")
    for key in ("callback_id", "external_id"):
        v = view.get(key)
        if v is not None and (not isinstance(v, str) or len(v) > 255):
            out.append(f"view.{key}: must be a string of at most 255 chars")
    out.extend(f"view.{p}" for p in check_blocks(blocks, surface=vtype, action_id_scope=action_id_scope))
    return out


def check_message(params: dict[str, Any], *, action_id_scope: str = "block") -> tuple[list[str], list[str]]:
    """Check chat.* message params. Returns (errors, warnings); warnings do not refuse the call."""
    errors: list[str] = []
    warnings: list[str] = []
    blocks = _maybe_json(params.get("blocks"))
    attachments = _maybe_json(params.get("attachments"))
    text = params.get("text")
    if blocks in (None, "", []) and not text and attachments in (None, "", []):
        errors.append("message needs text, blocks or attachments (no_text)")
    if blocks not in (None, ""):
        if isinstance(blocks, str):
            errors.append("blocks is not valid JSON")
        else:
            errors.extend(check_blocks(blocks, surface="message", action_id_scope=action_id_scope))
            if blocks and not text:
                warnings.append("blocks without a top-level `text` fallback (used for notifications)")
    if attachments not in (None, ""):
        if not isinstance(attachments, list):
            errors.append("attachments must be a JSON array")
        else:
            for i, a in enumerate(attachments):
                if isinstance(a, dict) and a.get("blocks") is not None:
                    errors.extend(f"attachments[{i}].{p}" for p in check_blocks(a["blocks"], surface="message"))
    return errors, warnings


def _maybe_json(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if s[:1] in ("[", "{"):
            try:
                return json.loads(s)
            except ValueError:
                return v
    return v


# --------------------------------------------------------------------------- calls

JSON_PARAMS = ("blocks", "view", "attachments", "users", "files", "prompts")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    team_hint: str
    token: str | None
    at: float
    status: int = 200
    ok: bool = True
    error: str | None = None
    response: dict[str, Any] | None = None
    stored: dict[str, Any] | None = None  # what Slack did before answering with a failure (fail_after_storing)
    http_verb: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""  # for response_url calls: which hook (commands/... or actions/...)
    client_credentials: tuple[str | None, str | None] = (None, None)  # HTTP Basic or params (oauth.*)

    def json(self, key: str, default: Any = None) -> Any:
        """Parsed value of a JSON-valued param (blocks, view, attachments, ...)."""
        if key not in self.params:
            return default
        v = self.params[key]
        if isinstance(v, str):
            try:
                return json.loads(v)
            except ValueError:
                return v
        return v

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def __repr__(self) -> str:
        ps = {k: (v if len(str(v)) < 80 else str(v)[:77] + "...") for k, v in self.params.items()}
        state = "ok" if self.ok else f"FAILED {self.status} {self.error}"
        return f"Call({self.method} {state} team={self.team_hint} {ps})"


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int | None
    remaining: int


@dataclass
class _AfterFault:
    status: int
    html: bool
    remaining: int
    every: int | None
    seen: int = 0

    def fires(self) -> bool:
        self.seen += 1
        if self.every:
            return self.seen % self.every == 0
        if self.remaining > 0:
            self.remaining -= 1
            return True
        return False


@dataclass
class _Bucket:
    tokens: float
    last: float


# --------------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"
    fake: FakeSlack  # set on a subclass per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            status, headers, payload = self.fake._dispatch(verb, self.path, dict(self.headers.items()), body)
        except Exception as e:  # pragma: no cover - a bug in the fake itself
            self.fake._add_violation(f"fake server error on {self.path}: {e!r}")
            status, headers, payload = 500, {}, {"ok": False, "error": "fatal_error"}
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        ctype = "text/plain" if isinstance(payload, bytes) else "application/json; charset=utf-8"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class FakeSlack:
    """Fake Slack Web API. See module docstring."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Acme",
        team_domain: str = "acme",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        bot_name: str = "mentoring",
        app_id: str = "A0APP",
        default_tz: str = "Europe/London",
        strict_runtime: bool = True,
        action_id_scope: str = "block",
        spec_path: str | os.PathLike | None = None,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.default_tz = default_tz
        self.strict_runtime = strict_runtime
        self.action_id_scope = action_id_scope
        self.methods: dict[str, MethodSpec] = dict(load_method_specs(spec_path))

        self._lock = threading.RLock()
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.warnings: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.teams: dict[str, dict[str, str]] = {team_id: {"name": team_name, "domain": team_domain}}
        self.token_teams: dict[str, str] = {}
        self.revoked_tokens: set[str] = set()
        # OAuth installs (enable_oauth): the app's credentials, what the next person to install
        # will answer on the consent screen, codes and refresh tokens issued, consents given.
        self.oauth_app: dict[str, Any] | None = None
        self._next_installs: deque[dict[str, Any]] = deque()
        self._codes: dict[str, dict[str, Any]] = {}
        self._refresh_tokens: dict[str, dict[str, Any]] = {}  # refresh token -> install (while unused)
        self.consents: list[dict[str, Any]] = []  # what each visit to the consent screen asked for
        self._token_counter = 0
        self.conversations_opened: dict[tuple[str, ...], str] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, dict[str, Any]] = {}  # by file ID: see "files (files_upload_v2)" below
        # Messages posted, per channel, newest last: what conversations.history answers.
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.rate_limited_count = 0
        self._handlers: dict[str, Callable[[Call], dict[str, Any] | None]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._after_faults: dict[str, _AfterFault] = {}
        self._delays: dict[str, float] = {}
        self._limits: dict[str, tuple[float, float]] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._ts_counter = 0
        self._id_counter = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

        self._add_bot_user()
        self.add_channel("C0GENERAL", name="general", members=None)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        # A backlog of 5 (socketserver's default) drops connections under load and the client
        # retries a second later: that is the fake's latency, not the app's.
        server_cls = type("FakeSlackServer", (ThreadingHTTPServer,), {"request_queue_size": 256})
        self._server = server_cls(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="FakeSlack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as WebClient(base_url=...)."""
        return f"{self.root_url}/api/"

    @property
    def hooks_base_url(self) -> str:
        """Base for fake response_urls: POSTs there are recorded as method "response_url"."""
        return f"{self.root_url}/hooks/"

    def client(self, token: str = "xoxb-test", **kwargs: Any) -> Any:
        from slack_sdk import WebClient

        return WebClient(token=token, base_url=self.base_url, **kwargs)

    # ---------------------------------------------------------------- configuration
    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str | None = None,
        tz_label: str | None = None,
        tz_offset: int | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
        team_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        name = name or user_id.lower()
        tz = tz or self.default_tz
        offset, label = _tz_info(tz)
        real = real_name or name
        user = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name.lower().replace(" ", "."),
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real,
            "tz": tz,
            "tz_label": tz_label or label,
            "tz_offset": offset if tz_offset is None else tz_offset,
            "is_admin": is_admin or is_owner,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "real_name": real,
                "real_name_normalized": real,
                "display_name": display_name if display_name is not None else name,
                "display_name_normalized": display_name if display_name is not None else name,
                "email": email or f"{name.lower().replace(' ', '.')}@acme.example.com",
                "team": team_id or self.team_id,
                "image_72": "https://example.com/avatar.png",
            },
        }
        user.update(extra)
        with self._lock:
            self.users[user_id] = user
        return user

    def _add_bot_user(self) -> None:
        self.add_user(self.bot_user_id, self.bot_name, is_bot=True, tz="America/Los_Angeles")
        self.users[self.bot_user_id]["profile"]["bot_id"] = self.bot_id

    def add_channel(self, channel_id: str, name: str | None = None, *, members: list[str] | None = None,
                    is_private: bool = False, team_id: str | None = None, **extra: Any) -> None:
        """Register a channel of workspace `team_id` (default: the fake's own). members=None means
        "every non-bot user of that workspace added with add_user"."""
        with self._lock:
            self.channels[channel_id] = {"name": name or channel_id.lower(), "members": members,
                                         "is_private": is_private, "team_id": team_id or self.team_id, **extra}

    def set_channel_members(self, channel_id: str, members: Iterable[str]) -> None:
        with self._lock:
            if channel_id in self.channels:
                self.channels[channel_id]["members"] = list(members)
            else:
                self.add_channel(channel_id, members=list(members),
                                 is_private=channel_id.startswith("G"))

    def add_team(self, team_id: str, name: str, domain: str | None = None,
                 tokens: Iterable[str] = ()) -> None:
        """Register another workspace; calls with any of `tokens` are attributed to it."""
        with self._lock:
            self.teams[team_id] = {"name": name, "domain": domain or name.lower()}
            for t in tokens:
                self.token_teams[t] = team_id

    def set_token_team(self, token: str, team_id: str) -> None:
        with self._lock:
            self.token_teams[token] = team_id
            self.teams.setdefault(team_id, {"name": team_id, "domain": team_id.lower()})

    # ---------------------------------------------------------------- OAuth installs
    def enable_oauth(self, *, client_id: str, client_secret: str, redirect_url: str | None = None,
                     token_rotation: bool = False, expires_in: int = 43200) -> None:
        """Let workspaces install the app: Slack knows its client ID and secret, and the redirect
        URL configured in its settings (used when the consent screen is opened without one). With
        `token_rotation`, tokens expire after `expires_in` seconds and come with a refresh token."""
        with self._lock:
            self.oauth_app = {"client_id": client_id, "client_secret": client_secret, "redirect_url": redirect_url,
                              "token_rotation": token_rotation, "expires_in": expires_in}

    def set_token_lifetime(self, seconds: int) -> None:
        """With token rotation: how long the tokens issued from now on last."""
        with self._lock:
            assert self.oauth_app is not None, "enable_oauth first"
            self.oauth_app["expires_in"] = seconds

    def next_install(self, team_id: str, *, team_name: str | None = None, user_id: str = "U0INSTALLER",
                     enterprise_id: str | None = None, enterprise_name: str | None = None,
                     org_wide: bool = False, cancel: bool = False) -> None:
        """What the next person on the consent screen does: install in `team_id` (or, `org_wide`,
        in the whole Enterprise Grid organization `enterprise_id`), or cancel."""
        with self._lock:
            if not org_wide:
                self.teams.setdefault(team_id, {"name": team_name or team_id, "domain": team_id.lower()})
            self._next_installs.append(dict(team_id=None if org_wide else team_id,
                                            team_name=team_name or self.teams.get(team_id, {}).get("name"),
                                            user_id=user_id, enterprise_id=enterprise_id,
                                            enterprise_name=enterprise_name, org_wide=org_wide, cancel=cancel))

    def tokens_of(self, team_id: str) -> list[str]:
        """Every access token issued to the workspace, oldest first, revoked or not."""
        with self._lock:
            return [t for t, team in self.token_teams.items() if team == team_id]

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: every token it was issued stops working (token_revoked)."""
        with self._lock:
            self.revoked_tokens.update(t for t, team in self.token_teams.items() if team == team_id)
            for refresh, install in list(self._refresh_tokens.items()):
                if install.get("team_id") == team_id:
                    del self._refresh_tokens[refresh]

    def _issue_token(self, install: dict[str, Any]) -> dict[str, Any]:
        """A new access token (and refresh token, with rotation) for an install."""
        app = self.oauth_app or {}
        with self._lock:
            self._token_counter += 1
            n = self._token_counter
            owner = install["team_id"] or install["enterprise_id"]
            token = f"xoxe.xoxb-{owner}-{n}" if app.get("token_rotation") else f"xoxb-{owner}-{n}"
            self.token_teams[token] = owner
            out: dict[str, Any] = {"access_token": token}
            if app.get("token_rotation"):
                refresh = f"xoxe-1-{owner}-{n}-{secrets.token_hex(4)}"
                self._refresh_tokens[refresh] = install
                out.update(refresh_token=refresh, expires_in=int(app.get("expires_in") or 43200))
        return out

    def _consent(self, query: str) -> tuple[int, dict[str, str], Any]:
        """GET /oauth/v2/authorize: Slack's consent screen, answered as `next_install` said."""
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        app = self.oauth_app
        with self._lock:
            self.consents.append(params)
            choice = self._next_installs.popleft() if self._next_installs else None
        if app is None or params.get("client_id") != app["client_id"]:
            self._add_violation(f"consent screen opened for unknown client_id {params.get('client_id')!r}")
            return 400, {}, b"Invalid client_id parameter"
        redirect = params.get("redirect_uri") or app.get("redirect_url")
        if not redirect:
            self._add_violation("consent screen opened without redirect_uri, and the app has none configured")
            return 400, {}, b"Missing redirect_uri"
        if app.get("redirect_url") and params.get("redirect_uri") and params["redirect_uri"] != app["redirect_url"]:
            return 400, {}, b"redirect_uri did not match any configured URIs"
        if choice is None:
            self._add_violation("consent screen opened, but the test said nothing about who installs (next_install)")
            return 400, {}, b"Nobody to install"
        state = params.get("state", "")
        if choice["cancel"]:
            return 302, {"Location": f"{redirect}?{urlencode({'error': 'access_denied', 'state': state})}"}, b""
        code = f"code-{secrets.token_hex(8)}"
        with self._lock:
            self._codes[code] = {**choice, "scope": params.get("scope", ""), "redirect_uri": params.get("redirect_uri")}
        return 302, {"Location": f"{redirect}?{urlencode({'code': code, 'state': state})}"}, b""

    def _oauth_access(self, call: Call) -> dict[str, Any]:
        app = self.oauth_app
        if app is None:
            return {"ok": False, "error": "invalid_client_id"}
        client_id, client_secret = call.client_credentials
        if client_id != app["client_id"]:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != app["client_secret"]:
            return {"ok": False, "error": "bad_client_secret"}
        p = call.params
        if p.get("grant_type") == "refresh_token":
            with self._lock:
                install = self._refresh_tokens.pop(str(p.get("refresh_token")), None)  # single use
            if install is None:
                return {"ok": False, "error": "invalid_refresh_token"}
        else:
            with self._lock:
                install = self._codes.pop(str(p.get("code")), None)
            if install is None:
                return {"ok": False, "error": "invalid_code"}
            if install.get("redirect_uri") != (p.get("redirect_uri") or None):
                return {"ok": False, "error": "bad_redirect_uri"}
        issued = self._issue_token(install)
        team = install["team_id"]
        enterprise = ({"id": install["enterprise_id"], "name": install["enterprise_name"]}
                      if install["enterprise_id"] else None)
        return {"ok": True, "app_id": self.app_id, "authed_user": {"id": install["user_id"]},
                "scope": install.get("scope", ""), "token_type": "bot", "bot_user_id": self.bot_user_id,
                "team": {"id": team, "name": install["team_name"]} if team else None,
                "enterprise": enterprise, "is_enterprise_install": bool(install["org_wide"]), **issued}

    def channel_team(self, channel_id: str) -> str | None:
        """The workspace a conversation belongs to (a DM: its people's), None if unknown."""
        with self._lock:
            ch = self.channels.get(channel_id)
            if ch is not None:
                return ch.get("team_id", self.team_id)
            for us, cid in self.conversations_opened.items():
                if cid == channel_id:
                    teams = {self.users.get(u, {}).get("team_id", self.team_id) for u in us}
                    return teams.pop() if len(teams) == 1 else None
        return None

    def _user_teams(self, user: dict[str, Any]) -> set[str]:
        """The workspaces a user is in: one, or (an Enterprise Grid user, `enterprise_user`) several."""
        grid = user.get("enterprise_user") or {}
        return set(grid.get("teams") or ()) | {user.get("team_id", self.team_id)}

    def _foreign(self, call: Call, what: str, owner: str | set[str] | None) -> bool:
        """True (and a violation) when the call reaches into another workspace's `what`."""
        if owner is None or call.team_hint in ({owner} if isinstance(owner, str) else owner):
            return False
        owners = owner if isinstance(owner, str) else " and ".join(sorted(owner))
        self._add_violation(f"{call.method}: {what} belongs to workspace {owners}, but the call was made with "
                            f"workspace {call.team_hint}'s token {call.token!r}")
        return True

    def allow_method(self, method: str, required: Iterable[str] = ()) -> None:
        req = frozenset(required)
        with self._lock:
            self.methods[method] = MethodSpec(method, req, req, source="allow-list")

    def set_handler(self, method: str, fn: Callable[[Call], dict[str, Any] | None] | None) -> None:
        """fn(call) -> response dict (or None to fall back to the canned answer). None removes it."""
        with self._lock:
            if fn is None:
                self._handlers.pop(method, None)
            else:
                self._handlers[method] = fn
                if method not in self.methods:
                    self.allow_method(method)

    def fail_next(self, method: str, error: str = "ratelimited", times: int = 1,
                  status: int | None = None, retry_after: int | None = 1) -> None:
        """Fail the next `times` calls of `method`. Status defaults to 429 for
        "ratelimited" (with Retry-After) and 200 otherwise (Slack's usual ok:false)."""
        if status is None:
            status = 429 if error == "ratelimited" else 200
        with self._lock:
            self._faults.setdefault(method, deque()).append(
                _Fault(error, status, retry_after if status == 429 else None, times))

    def fail_after_storing(self, method: str = "chat.postMessage", *, status: int = 500, html: bool = False,
                           times: int = 1, every: int | None = None) -> None:
        """Do the work of `method` (a post lands in the channel's history), then answer as if
        Slack had failed: HTTP `status` with Slack's JSON error, or an HTML page when `html`
        (what a load balancer's 502 looks like). The next `times` calls, or, with `every=N`, every
        Nth call from now on."""
        with self._lock:
            self._after_faults[method] = _AfterFault(status, html, times, every)

    def set_delay(self, method: str, seconds: float) -> None:
        with self._lock:
            if seconds:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def enforce_rate_limit(self, method: str = "chat.postMessage", per_second: float = 1.0,
                           burst: float | None = None) -> None:
        """Token bucket per (method, workspace token). method="*" applies to every method."""
        if per_second <= 0:
            raise ValueError("per_second must be > 0")
        with self._lock:
            self._limits[method] = (float(per_second), float(burst if burst is not None else max(1.0, per_second)))
            self._buckets = {k: v for k, v in self._buckets.items() if k[0] != method}

    def clear_rate_limits(self) -> None:
        with self._lock:
            self._limits.clear()
            self._buckets.clear()

    # ---------------------------------------------------------------- inspection
    def clear(self) -> None:
        """Forget recorded calls, violations, warnings and counters (not configuration)."""
        with self._lock:
            self.calls.clear()
            self.violations.clear()
            self.warnings.clear()
            self.rate_limited_count = 0

    def replies(self, kind: str) -> list[Call]:
        """Posts to response URLs of one kind: "commands" (slash commands) or "actions" (buttons)."""
        return [c for c in self.calls_to("response_url") if f"/hooks/{kind}/" in c.path
                or c.path.startswith(f"{kind}/")]

    def calls_to(self, method: str, include_failed: bool = False) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (include_failed or c.ok)]

    def last_call(self, method: str, include_failed: bool = False) -> Call:
        calls = self.calls_to(method, include_failed)
        if not calls:
            raise AssertionError(f"no call to {method}; calls: {self._calls_summary()}")
        return calls[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 include_failed: bool = False) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls_to(method, include_failed)
            if len(calls) >= count:
                return calls
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, got {len(calls)}; "
                    f"calls: {self._calls_summary()}")
            time.sleep(0.01)

    def _calls_summary(self) -> str:
        with self._lock:
            return "\n  " + "\n  ".join(repr(c) for c in self.calls) if self.calls else "(none)"

    def assert_clean(self) -> None:
        with self._lock:
            if self.violations:
                raise AssertionError("Slack API violations:\n  " + "\n  ".join(self.violations))

    def _add_violation(self, msg: str) -> None:
        with self._lock:
            self.violations.append(msg)

    # ---------------------------------------------------------------- request handling
    def _dispatch(self, verb: str, raw_path: str, headers: dict[str, str],
                  body: bytes) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/upload/"):
            return self._handle_upload(path, body)
        if path.startswith("/hooks/"):
            return self._handle_hook(path, headers, body)
        if path == "/oauth/v2/authorize" and verb == "GET":
            return self._consent(parts.query)
        if not path.startswith("/api/"):
            return 404, {}, {"ok": False, "error": "not_found"}
        method = path[len("/api/"):]
        params = _decode_params(parts.query, headers, body)
        lower = {k.lower(): v for k, v in headers.items()}
        token = None
        auth = lower.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        if "token" in params:
            tok = params.pop("token")
            token = token or (tok if isinstance(tok, str) else None)
        credentials: tuple[str | None, str | None] = (params.pop("client_id", None), params.pop("client_secret", None))
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
                credentials = (user, password)
            except ValueError:
                pass
        with self._lock:
            team = self.token_teams.get(token or "", self.team_id)
        call = Call(method, params, team, token, time.time(), http_verb=verb, headers=headers,
                    client_credentials=credentials)
        status, resp_headers, resp = self._process(call)
        call.status = status
        call.ok = status == 200 and isinstance(resp, dict) and bool(resp.get("ok"))
        call.error = None if call.ok else (resp.get("error") if isinstance(resp, dict) else f"http_{status}")
        call.response = resp if isinstance(resp, dict) else {"ok": False, "error": f"http_{status}"}
        with self._lock:
            self.calls.append(call)
            if status == 429:
                self.rate_limited_count += 1
        return status, resp_headers, resp

    def _refuse(self, call: Call, error: str, problems: list[str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        for p in problems:
            self._add_violation(f"{call.method}: {p}")
        return 200, {}, {"ok": False, "error": error, "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}

    def _process(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        m = call.method
        with self._lock:
            spec = self.methods.get(m)
        if spec is None:
            return self._refuse(call, "unknown_method", [f"unknown method {m!r} (not in Slack's spec or allow-list)"])
        if m in RETIRED_METHODS and spec.source == "spec":
            return self._refuse(call, "method_deprecated", [f"retired method {m!r}: {RETIRED_METHODS[m]}"])
        if m in CLIENT_AUTH_METHODS:
            if not all(call.client_credentials):
                return self._refuse(call, "invalid_client_id", ["no client_id and client_secret (HTTP Basic or parameters)"])
        elif not call.token:
            return self._refuse(call, "not_authed", ["no token (expected Authorization: Bearer ...)"])
        elif call.token in self.revoked_tokens:
            return 200, {}, {"ok": False, "error": "token_revoked"}
        present = {k for k, v in call.params.items() if v not in (None, "")}
        missing = sorted(spec.required - present)
        problems = [f"missing required parameter {p!r} (required by the spec)" for p in missing]
        if self.strict_runtime:
            problems += [f"missing parameter {p!r} (spec says optional, Slack needs it)"
                         for p in sorted(spec.runtime_required - present)]
            for group in spec.one_of:
                if not group & present:
                    problems.append(f"needs one of {sorted(group)}")
        if problems:
            return self._refuse(call, "invalid_arguments", problems)

        # Block Kit checks
        if m in VIEW_METHODS:
            view = call.json("view")
            if isinstance(view, str):
                return self._refuse(call, "invalid_arguments", ["view is not valid JSON"])
            vp = check_view(view, method=m, action_id_scope=self.action_id_scope)
            if vp:
                return self._refuse(call, "invalid_arguments", vp)
        elif m in MESSAGE_METHODS:
            errors, warnings = check_message(call.params, action_id_scope=self.action_id_scope)
            if errors:
                code = "no_text" if any("no_text" in e for e in errors) else "invalid_blocks"
                return self._refuse(call, code, errors)
            for w in warnings:
                self._add_violation(f"{m}: {w}")
                with self._lock:
                    self.warnings.append(f"{m}: {w}")

        # Fault injection, rate limits, delays
        with self._lock:
            q = self._faults.get(m)
            fault = None
            if q:
                fault = q[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    q.popleft()
        if fault is not None:
            hdrs = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return fault.status, hdrs, {"ok": False, "error": fault.error}
        retry_after = self._take_token(m, call.token or "")
        if retry_after is not None:
            return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}
        delay = self._delays.get(m)
        if delay:
            time.sleep(delay)

        handler = self._handlers.get(m)
        resp = handler(call) if handler is not None else None
        if resp is None:
            resp = self._canned(call)
        with self._lock:
            after = self._after_faults.get(m)
            fail = after is not None and after.fires()
        if fail:
            call.stored = resp
            if after.html:
                return after.status, {}, (f"<html><head><title>{after.status} Bad Gateway</title></head>"
                                          "<body>Bad gateway</body></html>").encode()
            return after.status, {}, {"ok": False, "error": "internal_error"}
        return 200, {}, resp

    def _take_token(self, method: str, key: str) -> int | None:
        with self._lock:
            lim_key = method if method in self._limits else ("*" if "*" in self._limits else None)
            if lim_key is None:
                return None
            rate, burst = self._limits[lim_key]
            now = time.monotonic()
            b = self._buckets.get((lim_key, key))
            if b is None:
                b = self._buckets[(lim_key, key)] = _Bucket(burst, now)
            b.tokens = min(burst, b.tokens + (now - b.last) * rate)
            b.last = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - b.tokens) / rate))

    def _handle_upload(self, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        return self._files_upload(path.rsplit("/", 1)[-1], body)

    # ---------------------------------------------------------------- files (files_upload_v2)
    # slack_sdk's files_upload_v2 makes three requests: files.getUploadURLExternal (filename and
    # the length in bytes; checked against the spec like every call) gives a file ID and an upload
    # URL; the bytes are POSTed to that URL, where their length must be the one announced; then
    # files.completeUploadExternal (files=[{id, title}], channel_id, initial_comment) shares the
    # uploaded files, once, in the channel: its history gets a message carrying them, as Slack's
    # does. `self.files` holds every file, by ID: {"name", "title", "length", "content", "channel",
    # "initial_comment", "team"}; `self.uploads` the bytes received, by file ID.

    def _files_get_upload_url(self, call: Call) -> dict[str, Any]:
        try:
            length = int(str(call.params.get("length")))
        except ValueError:
            length = -1
        if length < 1:
            self._add_violation(f"files.getUploadURLExternal: length must be a positive number of bytes "
                                f"(got {call.params.get('length')!r})")
            return {"ok": False, "error": "invalid_arguments"}
        fid = self._next_id("F")
        with self._lock:
            self.files[fid] = {"name": str(call.params.get("filename")), "title": None, "length": length,
                               "content": None, "channel": None, "initial_comment": None, "team": call.team_hint,
                               "completed": False}
        return {"ok": True, "upload_url": f"{self.root_url}/upload/{fid}", "file_id": fid}

    def _files_upload(self, fid: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            f = self.files.get(fid)
            if f is None or f["content"] is not None:
                problem = f"upload to {fid}: " + ("no such upload URL" if f is None else "uploaded twice")
            elif len(body) != f["length"]:
                problem = f"upload to {fid}: {len(body)} bytes, but files.getUploadURLExternal said {f['length']}"
            else:
                problem = None
                f["content"] = body
                self.uploads[fid] = body
        if problem:
            self._add_violation(problem)
            return 400, {}, f"Error: {problem}".encode()
        return 200, {}, f"OK - {len(body)}".encode()

    def _files_complete(self, call: Call) -> dict[str, Any]:
        files = call.json("files")
        channel = call.params.get("channel_id")
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
            self._add_violation("files.completeUploadExternal: files must be a JSON list of {id, title}")
            return {"ok": False, "error": "invalid_arguments"}
        if channel and self._channel_members(str(channel)) is None and str(channel) not in self.history:
            return {"ok": False, "error": "channel_not_found"}
        shared = []
        with self._lock:
            for f in files:
                known = self.files.get(str(f["id"]))
                if known is None or known["content"] is None or known["completed"]:
                    what = "unknown" if known is None else ("not uploaded" if known["content"] is None
                                                           else "already completed")
                    problem = f"files.completeUploadExternal: file {f['id']} is {what}"
                    break
                shared.append((known, f))
            else:
                problem = None
        if problem:
            self._add_violation(problem)
            return {"ok": False, "error": "file_not_found" if "unknown" in problem else "invalid_arguments"}
        out = []
        with self._lock:
            for known, f in shared:
                known.update(completed=True, title=f.get("title") or known["name"], channel=channel,
                             initial_comment=call.params.get("initial_comment"))
                out.append({"id": f["id"], "name": known["name"], "title": known["title"], "size": known["length"]})
        if channel:
            message = {"type": "message", "text": str(call.params.get("initial_comment") or ""),
                       "user": self.bot_user_id, "bot_id": self.bot_id, "ts": self._next_ts(),
                       "files": [dict(f) for f in out], "upload": True}
            with self._lock:
                self.history.setdefault(str(channel), []).append(message)
        return {"ok": True, "files": out}

    def shared_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Files completed (shared), in order, in `channel` or anywhere."""
        with self._lock:
            return [dict(f, id=fid) for fid, f in self.files.items()
                    if f["completed"] and (channel is None or f["channel"] == channel)]

    def files_in(self, channel: str) -> list[dict[str, Any]]:
        """Files shared in a channel, in order: {id, title, name, size, content (bytes), initial_comment}."""
        return [{"id": f["id"], "title": f["title"], "name": f["name"], "size": f["length"], "content": f["content"],
                 "initial_comment": f["initial_comment"]} for f in self.shared_files(channel)]

    def _handle_hook(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {"raw": body.decode("utf-8", "replace")}
        params = params if isinstance(params, dict) else {"payload": params}
        call = Call("response_url", params, self.team_id, None, time.time(), headers=headers, path=path)
        call.params.setdefault("_path", path)
        problems: list[str] = []
        if params.get("blocks") is not None:
            problems = check_blocks(params["blocks"], surface="message", action_id_scope=self.action_id_scope)
        if problems:
            call.ok, call.error = False, "invalid_blocks"
            for p in problems:
                self._add_violation(f"response_url: {p}")
        call.response = {"ok": call.ok}
        with self._lock:
            self.calls.append(call)
        return 200, {}, b"ok" if call.ok else b"invalid_blocks"

    # ---------------------------------------------------------------- canned responses
    def _next_ts(self) -> str:
        with self._lock:
            self._ts_counter += 1
            n = 1_700_000_000_000_000 + self._ts_counter * 100
        return f"{n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._id_counter += 1
            return f"{prefix}{self._id_counter:08X}"

    def dm_channel_id(self, users: Iterable[str]) -> str:
        """Deterministic conversation id for a set of users: D... for one, G... for several."""
        us = sorted(set(users))
        digest = hashlib.sha1(",".join(us).encode()).hexdigest()[:8].upper()
        return ("D" if len(us) == 1 else "G") + digest

    def _channel_members(self, channel_id: str) -> list[str] | None:
        with self._lock:
            ch = self.channels.get(channel_id)
            if ch is None:
                for us, cid in self.conversations_opened.items():
                    if cid == channel_id:
                        return [*us, self.bot_user_id]
                return None
            if ch["members"] is None:
                return [u for u, d in self.users.items() if not d.get("is_bot") and not d.get("deleted")
                        and d.get("team_id") == ch.get("team_id", self.team_id)]
            return list(ch["members"])

    def _resolve_channel(self, channel: str) -> str:
        if channel and channel[0] in "UW":  # posting to a user id goes to the bot DM
            return self._open_conversation([channel])[0]
        return channel

    def _open_conversation(self, users: list[str]) -> tuple[str, bool]:
        key = tuple(sorted(set(users)))
        with self._lock:
            already = key in self.conversations_opened
            cid = self.conversations_opened.setdefault(key, self.dm_channel_id(key))
        return cid, already

    def _message(self, call: Call, channel: str, ts: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message", "subtype": "bot_message", "text": call.params.get("text", ""),
            "user": self.bot_user_id, "bot_id": self.bot_id, "app_id": self.app_id,
            "ts": ts, "team": call.team_hint,
        }
        blocks = call.json("blocks")
        if blocks:
            msg["blocks"] = blocks
        if call.params.get("thread_ts"):
            msg["thread_ts"] = str(call.params["thread_ts"])
        return msg

    def _paginate(self, items: list[Any], call: Call) -> tuple[list[Any], str]:
        try:
            limit = int(call.params.get("limit") or 0) or 1000
        except (TypeError, ValueError):
            limit = 1000
        cursor = call.params.get("cursor") or ""
        start = 0
        if cursor:
            try:
                start = int(base64.b64decode(cursor).decode().split(":", 1)[1])
            except Exception:
                start = 0
        page = items[start:start + limit]
        nxt = start + limit
        next_cursor = base64.b64encode(f"offset:{nxt}".encode()).decode() if nxt < len(items) else ""
        return page, next_cursor

    def _canned(self, call: Call) -> dict[str, Any]:
        m, p = call.method, call.params
        team = call.team_hint
        tinfo = self.teams.get(team, {"name": team, "domain": team.lower()})
        if m == "oauth.v2.access":
            return self._oauth_access(call)
        if m == "auth.revoke":
            with self._lock:
                self.revoked_tokens.add(call.token or "")
            return {"ok": True, "revoked": True}
        if m == "auth.test":
            return {"ok": True, "url": f"https://{tinfo['domain']}.slack.com/", "team": tinfo["name"],
                    "user": self.bot_name, "team_id": team, "user_id": self.bot_user_id,
                    "bot_id": self.bot_id, "is_enterprise_install": False}
        if m == "users.info":
            with self._lock:
                u = self.users.get(str(p.get("user")))
            if u is None or self._foreign(call, f"user {p.get('user')}", self._user_teams(u)):
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": json.loads(json.dumps(u))}
        if m == "users.list":
            with self._lock:
                users = [json.loads(json.dumps(u)) for u in self.users.values()]
            page, nxt = self._paginate(users, call)
            return {"ok": True, "members": page, "cache_ts": int(time.time()),
                    "response_metadata": {"next_cursor": nxt}}
        if m == "users.lookupByEmail":
            with self._lock:
                # Slack matches addresses case-insensitively, within the token's workspace.
                wanted = str(p.get("email") or "").casefold()
                found = [u for u in self.users.values() if (u["profile"].get("email") or "").casefold() == wanted]
            for u in found:  # someone in another workspace isn't found (and isn't a violation)
                if call.team_hint in self._user_teams(u):
                    return {"ok": True, "user": json.loads(json.dumps(u))}
            return {"ok": False, "error": "users_not_found"}
        if m == "conversations.open":
            if p.get("channel") and not p.get("users"):
                return {"ok": True, "channel": {"id": p["channel"]}, "no_op": True, "already_open": True}
            users = p.get("users")
            if isinstance(users, str):
                parsed = _maybe_json(users)
                users = parsed if isinstance(parsed, list) else [u.strip() for u in users.split(",") if u.strip()]
            users = [str(u) for u in users or []]
            if len(users) > 8:
                return {"ok": False, "error": "too_many_users"}
            if not users or any(not re.fullmatch(r"[UW][A-Za-z0-9_]+", u) for u in users):
                return {"ok": False, "error": "user_not_found"}
            with self._lock:
                owners = {u: self._user_teams(self.users[u]) for u in users if u in self.users}
            if any(self._foreign(call, f"user {u}", owner) for u, owner in owners.items()):
                return {"ok": False, "error": "user_not_found"}
            cid, already = self._open_conversation(users)
            ch: dict[str, Any] = {"id": cid}
            if str(p.get("return_im")).lower() == "true":
                ch.update({"created": 1700000000, "is_im": cid.startswith("D"), "is_mpim": cid.startswith("G"),
                           "user": users[0] if len(users) == 1 else None, "is_open": True})
            resp = {"ok": True, "channel": ch}
            if already:
                resp.update({"no_op": True, "already_open": True})
            return resp
        if m == "conversations.members":
            members = self._channel_members(str(p.get("channel")))
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            page, nxt = self._paginate(members, call)
            return {"ok": True, "members": page, "response_metadata": {"next_cursor": nxt}}
        if m == "conversations.info":
            cid = str(p.get("channel"))
            members = self._channel_members(cid)
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            ch_conf = self.channels.get(cid, {})
            is_im, is_mpim = cid.startswith("D"), cid.startswith("G") and cid not in self.channels
            info = {
                "id": cid, "name": ch_conf.get("name", cid.lower()), "is_channel": not (is_im or is_mpim),
                "is_group": False, "is_im": is_im, "is_mpim": is_mpim,
                "is_private": bool(ch_conf.get("is_private", is_im or is_mpim)), "created": 1700000000,
                "is_archived": False, "is_general": cid == "C0GENERAL", "is_member": ch_conf.get("is_member", True),
                "creator": self.bot_user_id, "context_team_id": team,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
            }
            if str(p.get("include_num_members")).lower() == "true":
                info["num_members"] = len(members)
            return {"ok": True, "channel": info}
        if m in ("chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.history",
                 "conversations.members", "conversations.info"):
            channel = str(p["channel"])
            with self._lock:
                owner = (self._user_teams(self.users[channel]) if channel in self.users else None)
            owner = owner if channel[:1] in "UW" else self.channel_team(channel)
            if self._foreign(call, f"channel {channel}", owner):
                return {"ok": False, "error": "channel_not_found"}
        if m == "chat.postMessage":
            channel = self._resolve_channel(str(p["channel"]))
            ts = self._next_ts()
            message = self._message(call, channel, ts)
            metadata = call.json("metadata")
            if isinstance(metadata, dict):
                message["metadata"] = metadata
            with self._lock:
                self.history.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if m == "conversations.history":
            channel = str(p["channel"])
            if self._channel_members(channel) is None and channel not in self.history:
                return {"ok": False, "error": "channel_not_found"}
            oldest = float(p.get("oldest") or 0)
            with_meta = str(p.get("include_all_metadata")).lower() in ("true", "1")
            with self._lock:
                found = [dict(msg) for msg in reversed(self.history.get(channel, []))
                         if float(msg["ts"]) > oldest]
            if not with_meta:
                for msg in found:
                    msg.pop("metadata", None)
            page, nxt = self._paginate(found, call)
            return {"ok": True, "messages": page, "has_more": bool(nxt),
                    "response_metadata": {"next_cursor": nxt}}
        if m == "chat.postEphemeral":
            return {"ok": True, "channel": self._resolve_channel(str(p["channel"])), "message_ts": self._next_ts()}
        if m == "chat.update":
            channel = str(p["channel"])
            ts = str(p["ts"])
            return {"ok": True, "channel": channel, "ts": ts, "text": p.get("text", ""),
                    "message": self._message(call, channel, ts)}
        if m == "chat.delete":
            return {"ok": True, "channel": str(p.get("channel")), "ts": str(p.get("ts"))}
        if m == "chat.scheduleMessage":
            channel = self._resolve_channel(str(p["channel"]))
            try:
                post_at = int(float(p.get("post_at")))
            except (TypeError, ValueError):
                return {"ok": False, "error": "invalid_time"}
            return {"ok": True, "channel": channel, "scheduled_message_id": self._next_id("Q"),
                    "post_at": post_at, "message": self._message(call, channel, self._next_ts())}
        if m == "chat.getPermalink":
            ch, ts = str(p.get("channel")), str(p.get("message_ts"))
            return {"ok": True, "channel": ch,
                    "permalink": f"https://{tinfo['domain']}.slack.com/archives/{ch}/p{ts.replace('.', '')}"}
        if m in VIEW_METHODS:
            return self._view_response(call)
        if m == "files.getUploadURLExternal":
            return self._files_get_upload_url(call)
        if m == "files.completeUploadExternal":
            return self._files_complete(call)
        if m == "apps.connections.open":
            return {"ok": True, "url": "wss://wss-primary.slack.com/link/?ticket=fake"}
        if m == "team.info":
            return {"ok": True, "team": {"id": team, "name": tinfo["name"], "domain": tinfo["domain"]}}
        return {"ok": True}

    def _view_response(self, call: Call) -> dict[str, Any]:
        m, p = call.method, call.params
        view = dict(call.json("view") or {})
        vid = None
        with self._lock:
            if m == "views.update":
                vid = p.get("view_id")
                if not vid and p.get("external_id"):
                    vid = next((k for k, v in self.views.items() if v.get("external_id") == p["external_id"]), None)
                    if vid is None:
                        return {"ok": False, "error": "not_found"}
                old = self.views.get(vid) if vid else None
                if old is not None and p.get("hash") and p["hash"] != old["hash"]:
                    return {"ok": False, "error": "hash_conflict"}
            elif m == "views.publish":
                vid = next((k for k, v in self.views.items()
                            if v.get("type") == "home" and v.get("_user") == p.get("user_id")), None)
                old = self.views.get(vid) if vid else None
                if old is not None and p.get("hash") and p["hash"] != old["hash"]:
                    return {"ok": False, "error": "hash_conflict"}
            vid = vid or self._next_id("V")
            title = view.get("title")
            full = {
                "id": vid, "team_id": call.team_hint, "type": view.get("type", "modal"),
                "blocks": view.get("blocks", []), "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""), "state": {"values": {}},
                "hash": f"{int(time.time())}.{hashlib.sha1(vid.encode() + str(self._next_ts()).encode()).hexdigest()[:8]}",
                "title": title, "clear_on_close": bool(view.get("clear_on_close", False)),
                "notify_on_close": bool(view.get("notify_on_close", False)),
                "close": view.get("close"), "submit": view.get("submit"),
                "previous_view_id": None, "root_view_id": vid, "app_id": self.app_id,
                "external_id": view.get("external_id", ""), "app_installed_team_id": call.team_hint,
                "bot_id": self.bot_id,
            }
            stored = dict(full)
            if m == "views.publish":
                stored["_user"] = p.get("user_id")
            self.views[vid] = stored
        return {"ok": True, "view": full}

    def view(self, view_id: str) -> dict[str, Any]:
        """The latest version of a view the app opened/updated/published."""
        with self._lock:
            v = dict(self.views[view_id])
        v.pop("_user", None)
        return v


# --------------------------------------------------------------------------- helpers


def _decode_params(query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not body:
        return params
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if "application/json" in ctype:
        data = json.loads(body.decode("utf-8"))
        if isinstance(data, dict):
            params.update(data)
    elif "multipart/form-data" in ctype:
        msg = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            if part.get_filename():
                params[name] = part.get_payload(decode=True)
            else:
                params[name] = part.get_content()
    else:
        for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
            params[k] = v[-1]
    return params


_TZ_LABELS = {
    "Europe/London": "Greenwich Mean Time",
    "America/New_York": "Eastern Standard Time",
    "America/Los_Angeles": "Pacific Standard Time",
    "Europe/Berlin": "Central European Time",
    "Asia/Tokyo": "Japan Standard Time",
}


def _tz_info(tz: str) -> tuple[int, str]:
    """(offset seconds now, label) for an IANA tz, like Slack reports them."""
    try:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        now = datetime.now(ZoneInfo(tz))
        off = now.utcoffset()
        offset = int(off.total_seconds()) if off is not None else 0
        label = _TZ_LABELS.get(tz) or now.tzname() or tz
        if now.dst() and tz in _TZ_LABELS:
            label = label.replace("Standard", "Daylight").replace("Greenwich Mean", "British Summer") \
                .replace("Central European", "Central European Summer")
        return offset, label
    except Exception:
        return 0, tz

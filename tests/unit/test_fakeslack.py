"""Tests of the test harness itself: the fake Slack Web API and the signed request client."""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.support.fakeslack import FakeSlack, check_blocks, check_view, load_method_specs
from tests.support.slackreq import (
    SlackRequests,
    checkboxes,
    date,
    multi,
    number,
    plain,
    sign,
    static,
    values_from_view,
)


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.base_url)


def _txt(s):
    return {"type": "plain_text", "text": s}


def _section(s="hello"):
    return {"type": "section", "text": {"type": "mrkdwn", "text": s}}


def _button(text="Go", action_id="go", value="1"):
    return {"type": "button", "text": _txt(text), "action_id": action_id, "value": value}


def _option(text, value=None):
    return {"text": _txt(text), "value": text if value is None else value}


def _select(n_options=3, text_len=5, value_len=5):
    return {
        "type": "static_select",
        "action_id": "pick",
        "options": [_option("t" * text_len + str(i)[:0], "v" * value_len + str(i)) for i in range(n_options)],
    }


def _modal(title="Sign up", blocks=None, **extra):
    v = {"type": "modal", "callback_id": "signup", "title": _txt(title), "submit": _txt("Save"),
         "close": _txt("Cancel"), "blocks": blocks if blocks is not None else [_section()]}
    v.update(extra)
    return v


# --------------------------------------------------------------------------- spec


def test_spec_loaded_with_required_params_and_allow_list():
    specs = load_method_specs()
    assert "channel" in specs["chat.postMessage"].required
    assert {"channel", "user"} <= specs["chat.postEphemeral"].required
    assert {"trigger_id", "view"} <= specs["views.open"].required
    assert "token" not in specs["auth.test"].params
    assert specs["files.getUploadURLExternal"].required == {"filename", "length"}
    assert specs["apps.connections.open"].source == "allow-list"
    assert "nonexistent.method" not in specs


# --------------------------------------------------------------------------- basic calls


def test_known_method_ok_and_recorded(fake, client):
    r = client.chat_postMessage(channel="C0GENERAL", text="hi", blocks=[_section("hi")])
    assert r["ok"] and r["channel"] == "C0GENERAL"
    r2 = client.chat_postMessage(channel="C0GENERAL", text="again")
    assert float(r2["ts"]) > float(r["ts"])
    calls = fake.calls_to("chat.postMessage")
    assert len(calls) == 2
    assert calls[0].token == "xoxb-test"
    assert calls[0].team_hint == "T0001"
    assert calls[0]["text"] == "hi"
    assert calls[0].json("blocks")[0]["type"] == "section"
    assert r["message"]["blocks"] == [_section("hi")]
    fake.assert_clean()


def test_auth_test_and_users_info(fake, client):
    a = client.auth_test()
    assert (a["team"], a["team_id"], a["user_id"], a["bot_id"]) == ("Acme", "T0001", "U0BOT", "B0BOT")
    fake.add_user("U1", name="Ana", tz="America/New_York", is_admin=True)
    u = client.users_info(user="U1")["user"]
    assert u["id"] == "U1" and u["tz"] == "America/New_York" and u["is_admin"] is True
    assert u["profile"]["real_name"] == "Ana" and isinstance(u["tz_offset"], int)
    with pytest.raises(SlackApiError) as e:
        client.users_info(user="U404")
    assert e.value.response["error"] == "user_not_found"
    assert fake.calls_to("users.info") == [fake.calls[1]]
    assert len(fake.calls_to("users.info", include_failed=True)) == 2
    fake.assert_clean()  # a not-found answer is Slack's business, not a violation


def test_unknown_method_refused_and_reported(fake, client):
    with pytest.raises(SlackApiError) as e:
        client.api_call("chat.postMessageV2", json={"channel": "C1", "text": "x"})
    assert e.value.response["error"] == "unknown_method"
    assert any("chat.postMessageV2" in v for v in fake.violations)
    with pytest.raises(AssertionError, match="chat.postMessageV2"):
        fake.assert_clean()


def test_retired_method_refused(fake, client):
    with pytest.raises(SlackApiError) as e:
        client.api_call("files.upload", params={"channels": "C0GENERAL", "content": "x"})
    assert e.value.response["error"] == "method_deprecated"
    assert any("files.upload" in v for v in fake.violations)
    fake.clear()
    r = client.files_upload_v2(content="hello", filename="a.txt", channel="C0GENERAL")
    assert r["file"]["id"].startswith("F")
    assert list(fake.uploads.values()) == [b"hello"]
    fake.assert_clean()


def test_missing_required_param_refused(fake, client):
    with pytest.raises(SlackApiError) as e:
        client.api_call("chat.postMessage", json={"text": "no channel"})
    assert e.value.response["error"] == "invalid_arguments"
    assert any("'channel'" in v for v in fake.violations)
    assert fake.calls_to("chat.postMessage") == []
    assert len(fake.calls_to("chat.postMessage", include_failed=True)) == 1


def test_form_encoded_and_runtime_required(fake, client):
    # form-encoded POST (params=) works the same as JSON
    client.api_call("chat.postEphemeral", params={"channel": "C0GENERAL", "user": "U1", "text": "psst"})
    assert fake.last_call("chat.postEphemeral")["user"] == "U1"
    with pytest.raises(SlackApiError):
        client.api_call("chat.postEphemeral", params={"channel": "C0GENERAL", "text": "no user"})
    fake.clear()
    # spec marks `user` optional for users.info, but Slack needs it
    with pytest.raises(SlackApiError) as e:
        client.api_call("users.info", http_verb="GET", params={})
    assert e.value.response["error"] == "invalid_arguments"
    assert fake.violations


def test_plain_get_with_query_string(fake):
    url = f"{fake.base_url}users.info?user=U0BOT"
    req = urllib.request.Request(url, headers={"Authorization": "Bearer xoxb-test"})
    with urllib.request.urlopen(req) as resp:
        assert json.loads(resp.read())["user"]["id"] == "U0BOT"
    call = fake.last_call("users.info")
    assert call.http_verb == "GET" and call.token == "xoxb-test"


def test_missing_token_refused(fake):
    with pytest.raises(SlackApiError) as e:
        WebClient(base_url=fake.base_url).api_call("auth.test")
    assert e.value.response["error"] == "not_authed"


# --------------------------------------------------------------------------- canned answers


def test_conversations_open_and_members(fake, client):
    a = client.conversations_open(users="U2,U1")["channel"]["id"]
    b = client.conversations_open(users=["U1", "U2"])["channel"]["id"]
    d = client.conversations_open(users="U1")["channel"]["id"]
    assert a == b and a.startswith("G") and d.startswith("D") and d != a
    assert fake.conversations_opened[("U1", "U2")] == a
    fake.set_channel_members("C_ADMIN", ["U1", "U2", "U3"])
    r = client.conversations_members(channel="C_ADMIN")
    assert r["members"] == ["U1", "U2", "U3"] and r["response_metadata"]["next_cursor"] == ""
    p1 = client.conversations_members(channel="C_ADMIN", limit=2)
    p2 = client.conversations_members(channel="C_ADMIN", limit=2, cursor=p1["response_metadata"]["next_cursor"])
    assert p1["members"] + p2["members"] == ["U1", "U2", "U3"]
    with pytest.raises(SlackApiError) as e:
        client.conversations_members(channel="C_NOPE")
    assert e.value.response["error"] == "channel_not_found"


def test_views_roundtrip_and_hash_conflict(fake, client):
    v = client.views_open(trigger_id="1.2.abc", view=_modal())["view"]
    assert v["id"].startswith("V") and v["callback_id"] == "signup" and v["hash"]
    assert fake.last_call("views.open").json("view")["title"]["text"] == "Sign up"
    u = client.views_update(view_id=v["id"], hash=v["hash"], view=_modal("Step 2"))["view"]
    assert u["id"] == v["id"] and u["hash"] != v["hash"]
    with pytest.raises(SlackApiError) as e:
        client.views_update(view_id=v["id"], hash=v["hash"], view=_modal("Stale"))
    assert e.value.response["error"] == "hash_conflict"
    h = client.views_publish(user_id="U1", view={"type": "home", "blocks": [_section()]})
    assert h["view"]["type"] == "home"
    fake.assert_clean()


def test_set_handler_and_delay(fake, client):
    fake.set_handler("team.info", lambda call: {"ok": True, "team": {"id": "T9", "name": "Custom"}})
    assert client.team_info()["team"]["name"] == "Custom"
    fake.set_delay("auth.test", 0.3)
    t0 = time.monotonic()
    client.auth_test()
    assert time.monotonic() - t0 >= 0.3


def test_wait_for_across_threads_and_timeout(fake, client):
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="C0GENERAL", text="later")).start()
    assert fake.wait_for("chat.postMessage", timeout=3)[0]["text"] == "later"
    with pytest.raises(AssertionError, match="chat.postMessage"):
        fake.wait_for("chat.postMessage", count=2, timeout=0.2)


# --------------------------------------------------------------------------- Block Kit checks


def test_check_blocks_baseline_is_clean():
    blocks = [
        {"type": "header", "text": _txt("h" * 150)},
        {"type": "section", "block_id": "s", "text": {"type": "mrkdwn", "text": "x" * 3000}},
        {"type": "actions", "block_id": "a", "elements": [_button("b" * 75), _select(100, 75, 140)]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}]},
    ]
    assert check_blocks(blocks, surface="message") == []
    assert check_view(_modal("t" * 24, blocks=blocks * 1)) == []


@pytest.mark.parametrize(
    "blocks, surface, fragment",
    [
        ([_section()] * 51, "message", "51 blocks"),
        ([_section()] * 101, "modal", "101 blocks"),
        ([_section("x" * 3001)], "message", "3001 chars"),
        ([{"type": "header", "text": _txt("h" * 151)}], "message", "151 chars"),
        ([{"type": "actions", "elements": [_button("b" * 76)]}], "message", "76 chars"),
        ([{"type": "actions", "elements": [_select(n_options=101)]}], "modal", "101 options"),
        ([{"type": "actions", "elements": [_select(text_len=76)]}], "message", "max 75"),
        ([{"type": "actions", "elements": [_select(value_len=151)]}], "message", "150"),
        ([{"type": "sektion", "text": _txt("x")}], "message", "invalid block type"),
        ([{"text": _txt("x")}], "message", "invalid block type"),
        ([dict(_section(), block_id="b"), dict(_section(), block_id="b")], "message", "duplicate block_id"),
        ([dict(_section(), block_id="b" * 256)], "home", "block_id"),
        ([{"type": "actions", "elements": [_button(action_id="x"), _button(action_id="x")]}], "message",
         "duplicate action_id"),
        ([{"type": "actions", "elements": [_button(action_id="a" * 256)]}], "message", "action_id"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}], "message", "empty"),
    ],
)
def test_check_blocks_rejects(blocks, surface, fragment):
    problems = check_blocks(blocks, surface=surface)
    assert any(fragment in p for p in problems), problems


def test_action_id_scope():
    blocks = [{"type": "actions", "block_id": f"b{i}", "elements": [_button(action_id="same")]} for i in range(2)]
    assert check_blocks(blocks, surface="message") == []  # Slack: unique within the block
    assert check_blocks(blocks, surface="message", action_id_scope="surface")


@pytest.mark.parametrize(
    "view, fragment",
    [
        (_modal("t" * 25), "view.title"),
        (_modal(submit=_txt("s" * 25)), "view.submit"),
        (_modal(close=_txt("c" * 25)), "view.close"),
        (_modal(private_metadata="m" * 3001), "private_metadata"),
        (_modal(callback_id="c" * 256), "callback_id"),
        (_modal(blocks=[_section()] * 101), "101 blocks"),
        (_modal(blocks=[{"type": "actions", "elements": [_button("b" * 76)]}]), "76 chars"),
        ({"title": _txt("x"), "blocks": []}, "view.type"),
        (_modal(blocks=[{"type": "input", "label": _txt("L"), "element": {"type": "plain_text_input",
                                                                          "action_id": "v"}}],
                submit=None), "view.submit"),
    ],
)
def test_check_view_rejects(view, fragment):
    view = {k: v for k, v in view.items() if v is not None}
    problems = check_view(view)
    assert any(fragment in p for p in problems), problems


def test_server_refuses_invalid_view_and_blocks(fake, client):
    with pytest.raises(SlackApiError) as e:
        client.views_open(trigger_id="1.2.3", view=_modal("x" * 25))
    assert e.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[_section()] * 51)
    assert e.value.response["error"] == "invalid_blocks"
    assert len(fake.violations) == 2
    assert fake.calls_to("views.open") == [] and fake.calls_to("chat.postMessage") == []


def test_blocks_without_text_fallback_is_a_violation(fake, client):
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns too
        r = client.chat_postMessage(channel="C0GENERAL", blocks=[_section()])
    assert r["ok"]  # Slack accepts it, but notifications lack text
    assert any("fallback" in v for v in fake.violations)
    fake.clear()
    with pytest.raises(SlackApiError) as e:
        client.api_call("chat.postMessage", json={"channel": "C0GENERAL"})
    assert e.value.response["error"] == "no_text"


# --------------------------------------------------------------------------- faults and rate limits


def test_fail_next_429_has_retry_after(fake, client):
    fake.fail_next("chat.postMessage", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert e.value.response.status_code == 429
    assert e.value.response.headers["Retry-After"] in ("7", ["7"])
    assert e.value.response["error"] == "ratelimited"
    failed = fake.calls_to("chat.postMessage", include_failed=True)
    assert [c.status for c in failed] == [429]
    assert fake.calls_to("chat.postMessage") == []
    assert fake.rate_limited_count == 1
    client.chat_postMessage(channel="C0GENERAL", text="x")  # only the next call failed
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_rate_limit_retry_handler_retries(fake):
    client = WebClient(token="xoxb-test", base_url=fake.base_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    fake.fail_next("chat.postMessage", times=1, retry_after=0)
    r = client.chat_postMessage(channel="C0GENERAL", text="x")
    assert r["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage", include_failed=True)] == [429, 200]


def test_fail_next_generic_error(fake, client):
    fake.fail_next("conversations.open", error="channel_not_found", status=200, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as e:
            client.conversations_open(users="U1")
        assert e.value.response.status_code == 200 and e.value.response["error"] == "channel_not_found"
    assert client.conversations_open(users="U1")["ok"]


def test_enforce_rate_limit_per_workspace(fake):
    fake.enforce_rate_limit("chat.postMessage", per_second=0.5, burst=2)
    a = WebClient(token="xoxb-team-a", base_url=fake.base_url)
    b = WebClient(token="xoxb-team-b", base_url=fake.base_url)
    a.chat_postMessage(channel="C0GENERAL", text="1")
    a.chat_postMessage(channel="C0GENERAL", text="2")
    with pytest.raises(SlackApiError) as e:
        a.chat_postMessage(channel="C0GENERAL", text="3")
    assert e.value.response.status_code == 429
    retry_after = e.value.response.headers["Retry-After"]
    retry_after = retry_after[0] if isinstance(retry_after, list) else retry_after
    assert int(retry_after) >= 1
    b.chat_postMessage(channel="C0GENERAL", text="other workspace has its own bucket")
    a.auth_test()  # other methods are not limited
    assert fake.rate_limited_count == 1
    assert len(fake.calls_to("chat.postMessage")) == 3


# --------------------------------------------------------------------------- signing and requests


def test_sign_matches_slack_sdk_verifier():
    body = b"token=x&team_id=T0001&command=%2Fmentoring&text=hello+world"
    headers = sign(body, "s3cret")
    v = SignatureVerifier("s3cret")
    assert v.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert not v.is_valid_request(body + b"x", headers)
    stale = sign(body, "s3cret", timestamp=int(time.time()) - 600)
    assert not v.is_valid_request(body, stale)


def test_values_from_view_prefilled_and_overrides():
    view = _modal(blocks=[
        {"type": "input", "block_id": "goal", "label": _txt("Goal"),
         "element": {"type": "plain_text_input", "action_id": "v", "initial_value": "old"}},
        {"type": "input", "block_id": "level", "label": _txt("Level"),
         "element": {"type": "static_select", "action_id": "v",
                     "options": [_option("Beginner", "1"), _option("Expert", "3")],
                     "initial_option": _option("Beginner", "1")}},
        {"type": "input", "block_id": "topics", "label": _txt("Topics"),
         "element": {"type": "multi_static_select", "action_id": "v",
                     "options": [_option("AI", "ai"), _option("Go", "go")]}},
        {"type": "input", "block_id": "hours", "label": _txt("Hours"),
         "element": {"type": "number_input", "action_id": "v", "is_decimal_allowed": False, "initial_value": "2"}},
        {"type": "input", "block_id": "start", "label": _txt("Start"),
         "element": {"type": "datepicker", "action_id": "v"}},
        {"type": "input", "block_id": "ok", "label": _txt("OK"),
         "element": {"type": "checkboxes", "action_id": "v", "options": [_option("Yes", "y")]}},
    ])
    vals = values_from_view(view)
    assert vals["goal"]["v"] == {"type": "plain_text_input", "value": "old"}
    assert vals["level"]["v"]["selected_option"]["value"] == "1"
    assert vals["topics"]["v"]["selected_options"] == []
    assert vals["hours"]["v"]["value"] == "2"
    assert vals["start"]["v"] == {"type": "datepicker", "selected_date": None}
    vals = values_from_view(view, {"goal": plain("new"), "level": static("3"), "topics": multi(["go"]),
                                   "hours": number(5), "start": date("2025-01-31"), "ok": checkboxes(["y"])})
    assert vals["level"]["v"]["selected_option"]["text"]["text"] == "Expert"  # real option text
    assert vals["topics"]["v"]["selected_options"][0]["value"] == "go"
    assert vals["hours"]["v"]["value"] == "5"
    with pytest.raises(ValueError, match="not one of"):
        values_from_view(view, {"level": static("9")})
    with pytest.raises(ValueError, match="plain_text_input"):
        values_from_view(view, {"level": plain("x")})
    with pytest.raises(ValueError, match="nope"):
        values_from_view(view, {"nope": plain("x")})


class _Recorder(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.got.append((dict(self.headers.items()), body))
        ok = SignatureVerifier(self.server.secret).is_valid_request(body, dict(self.headers.items()))
        data = json.dumps({"valid": ok}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def recorder():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    srv.got, srv.secret = [], "s3cret"
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_slackrequests_signing_options(recorder):
    req = SlackRequests(f"http://127.0.0.1:{recorder.server_address[1]}/slack/events", "s3cret")
    assert req.command("U1", "hi")[0] == 200
    status, _, body = req.command("U1", "hi", bad_signature=True)
    assert status == 401 and body == {"valid": False}
    assert req.command("U1", "hi", timestamp=int(time.time()) - 600)[0] == 401
    req.event({"type": "app_home_opened", "user": "U1"}, event_id="Ev1", retry_num=1)
    headers, body = recorder.got[-1]
    assert headers["X-Slack-Retry-Num"] == "1"
    env = json.loads(body)
    assert env["type"] == "event_callback" and env["event_id"] == "Ev1" and env["team_id"] == "T0001"


# --------------------------------------------------------------------------- end to end with Bolt


def test_bolt_app_end_to_end(fake):
    """slackreq payloads are what Bolt expects, and the app's WebClient works against the fake."""
    from slack_bolt import App
    from slack_bolt.request import BoltRequest

    app = App(signing_secret="s3cret", client=WebClient(token="xoxb-test", base_url=fake.base_url))
    submitted = {}
    modal = _modal(blocks=[{"type": "input", "block_id": "goal", "label": _txt("Goal"),
                            "element": {"type": "plain_text_input", "action_id": "v", "initial_value": "x"}}],
                   private_metadata="meta")

    @app.command("/mentoring")
    def on_command(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.action("approve")
    def on_action(ack, body, client):
        ack()
        client.chat_postMessage(channel=body["channel"]["id"], text=f"approved {body['actions'][0]['value']}")

    @app.view("signup")
    def on_submit(ack, view, body):
        submitted.update(view=view, user=body["user"]["id"])
        ack()

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            resp = app.dispatch(BoltRequest(body=body, headers={k.lower(): v for k, v in self.headers.items()}))
            data = (resp.body or "").encode()
            self.send_response(resp.status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        req = SlackRequests(f"http://127.0.0.1:{srv.server_address[1]}/slack/events", "s3cret")
        assert req.command("U1", "join")[0] == 200
        opened = fake.wait_for("views.open")[0].json("view")
        assert req.block_action("U1", "approve", "42", message_ts="1700000000.000100")[0] == 200
        assert fake.wait_for("chat.postMessage")[0]["text"] == "approved 42"
        status, _, _ = req.view_submission("U1", copy.deepcopy(opened),
                                           values_from_view(opened, {"goal": plain("Rust")}))
        assert status == 200
        assert submitted["user"] == "U1" and submitted["view"]["private_metadata"] == "meta"
        assert submitted["view"]["state"]["values"]["goal"]["v"]["value"] == "Rust"
        assert req.command("U1", "join", bad_signature=True)[0] == 401
        fake.assert_clean()
    finally:
        srv.shutdown()
        srv.server_close()


# --- several workspaces and OAuth installs ------------------------------------------------


def _consent(fake, **params) -> dict:
    """Open the fake consent screen as a browser would; returns where it redirects to."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{fake.root_url}/oauth/v2/authorize?{urlencode(params)}", timeout=5)
    except urllib.error.HTTPError as e:
        assert e.code == 302, e.code
        location = e.headers["Location"]
        return {"url": location.split("?")[0], **{k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}}
    raise AssertionError("the consent screen did not redirect")


def test_fake_oauth_issues_a_token_per_workspace_for_a_code_once(fake):
    fake.enable_oauth(client_id="1.2", client_secret="s3cret", redirect_url="https://bot.example/slack/oauth_redirect")
    fake.next_install("T0ACME001", team_name="Acme", user_id="U0BOSS")
    back = _consent(fake, client_id="1.2", scope="commands,chat:write", state="st4te")
    assert back["url"] == "https://bot.example/slack/oauth_redirect" and back["state"] == "st4te"
    anon = WebClient(base_url=fake.base_url)
    resp = anon.oauth_v2_access(client_id="1.2", client_secret="s3cret", code=back["code"])
    assert resp["team"] == {"id": "T0ACME001", "name": "Acme"} and resp["authed_user"] == {"id": "U0BOSS"}
    assert resp["token_type"] == "bot" and resp["scope"] == "commands,chat:write" and "refresh_token" not in resp
    assert fake.tokens_of("T0ACME001") == [resp["access_token"]]
    with pytest.raises(SlackApiError, match="invalid_code"):
        anon.oauth_v2_access(client_id="1.2", client_secret="s3cret", code=back["code"])  # used already
    with pytest.raises(SlackApiError, match="bad_client_secret"):
        anon.oauth_v2_access(client_id="1.2", client_secret="wrong", code="x")
    WebClient(token=resp["access_token"], base_url=fake.base_url).auth_test()
    assert fake.last_call("auth.test").team_hint == "T0ACME001"
    fake.assert_clean()


def test_fake_oauth_refresh_tokens_are_single_use_and_uninstall_revokes_every_token(fake):
    fake.enable_oauth(client_id="1.2", client_secret="s3cret", redirect_url="https://bot.example/r",
                      token_rotation=True, expires_in=60)
    fake.next_install("T0ACME001")
    code = _consent(fake, client_id="1.2", scope="commands", state="s")["code"]
    anon = WebClient(base_url=fake.base_url)
    first = anon.oauth_v2_access(client_id="1.2", client_secret="s3cret", code=code)
    assert first["access_token"].startswith("xoxe.xoxb-") and first["expires_in"] == 60
    second = anon.oauth_v2_access(client_id="1.2", client_secret="s3cret", grant_type="refresh_token",
                                  refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    with pytest.raises(SlackApiError, match="invalid_refresh_token"):
        anon.oauth_v2_access(client_id="1.2", client_secret="s3cret", grant_type="refresh_token",
                             refresh_token=first["refresh_token"])
    fake.uninstall("T0ACME001")
    for token in (first["access_token"], second["access_token"]):
        with pytest.raises(SlackApiError, match="token_revoked"):
            WebClient(token=token, base_url=fake.base_url).auth_test()
    fake.assert_clean()


def test_fake_oauth_cancel_and_unknown_app(fake):
    fake.enable_oauth(client_id="1.2", client_secret="s", redirect_url="https://bot.example/r")
    fake.next_install("T0ACME001", cancel=True)
    back = _consent(fake, client_id="1.2", scope="commands", state="s")
    assert back["error"] == "access_denied" and "code" not in back


def test_a_call_into_another_workspaces_channel_or_user_is_refused_and_reported(fake):
    fake.add_team("T0TWO0001", "Two", tokens=["xoxb-two"])
    fake.add_channel("C0TWO", "general", team_id="T0TWO0001")
    fake.add_user("U0TWO", "Tess", team_id="T0TWO0001")
    two = WebClient(token="xoxb-two", base_url=fake.base_url)
    two.chat_postMessage(channel="C0TWO", text="hi")
    two.users_info(user="U0TWO")
    fake.assert_clean()
    one = WebClient(token="xoxb-test", base_url=fake.base_url)
    for call in (lambda: one.chat_postMessage(channel="C0TWO", text="hi"), lambda: one.users_info(user="U0TWO"),
                 lambda: one.conversations_open(users="U0TWO"), lambda: two.chat_postMessage(channel="C0GENERAL", text="x")):
        with pytest.raises(SlackApiError):
            call()
    assert len(fake.violations) == 4 and all("belongs to workspace" in v for v in fake.violations)
    fake.violations.clear()


# --- files_upload_v2 (issue 10 part B) -------------------------------------------------------


def test_files_upload_v2_is_checked_step_by_step_and_shares_the_file_once(fake, client):
    r = client.files_upload_v2(content="BEGIN:VCALENDAR\r\n", filename="a.ics", title="Invite",
                               channel="C0GENERAL", initial_comment="Here it is")
    fid = r["file"]["id"]
    assert [c.method for c in fake.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]
    assert fake.calls_to("files.getUploadURLExternal")[0].params["length"] == "17"
    [shared] = fake.shared_files("C0GENERAL")
    assert (shared["id"], shared["name"], shared["title"], shared["content"]) == (fid, "a.ics", "Invite",
                                                                                  b"BEGIN:VCALENDAR\r\n")
    history = client.conversations_history(channel="C0GENERAL")["messages"]
    assert history[0]["files"][0]["id"] == fid and history[0]["text"] == "Here it is"
    fake.assert_clean()

    # Completing the same upload again is refused.
    with pytest.raises(SlackApiError) as e:
        client.files_completeUploadExternal(files=[{"id": fid, "title": "again"}], channel_id="C0GENERAL")
    assert e.value.response["error"] == "invalid_arguments"
    assert any("already completed" in v for v in fake.violations)


def test_an_upload_whose_length_differs_from_the_announced_one_is_refused(fake, client):
    url = client.files_getUploadURLExternal(filename="a.ics", length=10)
    req = urllib.request.Request(url["upload_url"], data=b"12345", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 400
    assert any("5 bytes, but files.getUploadURLExternal said 10" in v for v in fake.violations)
    with pytest.raises(SlackApiError):
        client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id="C0GENERAL")
    assert any("not uploaded" in v for v in fake.violations)
    assert fake.shared_files() == []


def test_files_upload_v2_lands_in_the_channel_with_its_bytes(fake, client):
    r = client.files_upload_v2(channel="C0GENERAL", initial_comment="Here you are",
                               file_uploads=[{"content": "a,b\n1,2\n", "filename": "a.csv", "title": "A"},
                                             {"content": b"\x89PNG", "filename": "c.png", "title": "Chart"}])
    assert [f["id"] for f in r["files"]] == [f["id"] for f in fake.files_in("C0GENERAL")]
    shared = fake.files_in("C0GENERAL")
    assert [(f["name"], f["title"], f["content"]) for f in shared] == [
        ("a.csv", "A", b"a,b\n1,2\n"), ("c.png", "Chart", b"\x89PNG")]
    assert shared[0]["initial_comment"] == "Here you are"
    fake.assert_clean()

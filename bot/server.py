"""HTTP mode: Bolt behind waitress, a production WSGI server.

`POST /slack/events` goes to Bolt; `GET /healthz` answers 200 once the app is ready and its
database answers, 503 otherwise (so a load balancer stops routing to a copy that can't work).
With installs over OAuth (bot/slack/oauth.py), Bolt also serves `GET /slack/install` (the page
people install the app from) and `GET /slack/oauth_redirect` (where Slack sends them back).
A request body over `MAX_BODY_BYTES` is refused with 413 before it is read: Slack's payloads are
far smaller, and nothing unsigned gets to fill the memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import create_server

log = logging.getLogger(__name__)

HTTP_THREADS = 16  # waitress worker threads; Bolt's listener pool (bot/slack/app.py) is larger
MAX_BODY_BYTES = 1024 * 1024  # Slack's largest payloads (a full modal's state) are tens of KB


class HttpServer:
    def __init__(self, app: App, *, host: str = "0.0.0.0", port: int = 3000, threads: int | None = None,
                 check: Callable[[], None] | None = None):
        """`check()` raises when the bot can't work (its database is unreachable)."""
        self._bolt = SlackRequestHandler(app, path="/slack/events")
        threads = threads or HTTP_THREADS
        self.ready = threading.Event()
        self._closing = threading.Event()
        self._check = check
        # waitress itself answers 413 to a longer body, also one sent without a Content-Length.
        self._server = create_server(self._wsgi, host=host, port=port, threads=threads,
                                     ident="mentoring-bot", clear_untrusted_proxy_headers=True,
                                     max_request_body_size=MAX_BODY_BYTES)

    @property
    def port(self) -> int:
        return self._server.effective_port

    def _health(self) -> bytes | None:
        """None when healthy, else why not."""
        if not self.ready.is_set():
            return b"starting\n"
        if self._check is not None:
            try:
                self._check()
            except Exception as e:  # whatever the driver raises: the answer is the same
                log.warning("Health check: the database doesn't answer (%s)", type(e).__name__)
                return b"database unreachable\n"
        return None

    def _wsgi(self, environ, start_response):
        text = [("Content-Type", "text/plain; charset=utf-8")]
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            problem = self._health()
            start_response("200 OK" if problem is None else "503 Service Unavailable", text)
            return [b"ok\n" if problem is None else problem]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            start_response("413 Payload Too Large", text)
            return [b"request body too large\n"]
        return self._bolt(environ, start_response)

    def serve_forever(self) -> None:
        self.ready.set()
        flow = self._bolt.app.oauth_flow
        installs = (f", GET {flow.install_path} (workspaces install the app from there), GET {flow.redirect_uri_path}"
                    if flow is not None else "")
        log.info("Listening on port %s: POST /slack/events, GET /healthz%s", self.port, installs)
        try:
            self._server.run()
        except (OSError, ValueError):
            # close() from another thread pulls the socket out from under waitress' select loop.
            if not self._closing.is_set():
                raise

    def start_in_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        t.start()
        return t

    def close(self) -> None:
        self._closing.set()
        self.ready.clear()
        self._server.close()

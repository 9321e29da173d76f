"""HTTP mode: Bolt behind waitress, a production WSGI server.

`POST /slack/events` goes to Bolt; `GET /healthz` answers 200 once the app is ready.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import create_server

log = logging.getLogger(__name__)

HTTP_THREADS = 16  # waitress worker threads; Bolt's listener pool (bot/slack/app.py) is larger


class HttpServer:
    def __init__(self, app: App, *, host: str = "0.0.0.0", port: int = 3000, threads: int | None = None):
        self._bolt = SlackRequestHandler(app, path="/slack/events")
        threads = threads or HTTP_THREADS
        self.ready = threading.Event()
        self._closing = threading.Event()
        self._server = create_server(self._wsgi, host=host, port=port, threads=threads,
                                     ident="mentoring-bot", clear_untrusted_proxy_headers=True)

    @property
    def port(self) -> int:
        return self._server.effective_port

    def _wsgi(self, environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ok = self.ready.is_set()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n" if ok else b"starting\n"]
        return self._bolt(environ, start_response)

    def serve_forever(self) -> None:
        self.ready.set()
        log.info("Listening on port %s: POST /slack/events, GET /healthz", self.port)
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

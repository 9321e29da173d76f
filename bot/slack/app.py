"""Build the Bolt App: the one place listeners are wired and unexpected errors are handled.
Called by the entry point and by tests; never at import time.

With one bot token, Bolt checks it with `auth.test` and serves that token's workspace. With
OAuth installs (bot/slack/oauth.py) it serves every workspace that installed the app, each
request with its own workspace's token, and adds the install pages."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

import handlers
from bot.blocks.common import FOREIGN_WORKSPACE, NOT_INSTALLED
from bot.deps import Deps
from bot.slack.oauth import WorkspaceAuthorize, install_flow
from bot.slack.ttl import TTLCache

log = logging.getLogger(__name__)

# Listeners ack from these threads; when all are busy with Web API calls, new requests wait for
# their ack. Kept above the HTTP server's thread count (bot/server.py, 16).
LISTENER_THREADS = 32
RETRY_MEMORY_SECONDS = 3600.0  # Slack retries within minutes; remember what was handled for an hour


class _DropTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns that
    the token is unused. Our client carries that very token, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def create_app(deps: Deps, *, verify_token: bool = True) -> App:
    bolt_logger = logging.getLogger("bolt")
    if not any(isinstance(f, _DropTokenSkippedWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropTokenSkippedWarning())
    oauth = deps.settings.oauth
    app = App(
        client=deps.slack.listener(),
        signing_secret=deps.settings.signing_secret or None,
        token_verification_enabled=verify_token,
        # OAuth: each request's workspace's installation, or a kind refusal (bot/slack/oauth.py).
        authorize=WorkspaceAuthorize(deps.slack) if oauth else None,
        oauth_flow=install_flow(deps) if oauth else None,
        user_facing_authorize_error_message=NOT_INSTALLED,
        # HTTP mode: answer Slack as soon as a listener acks; the rest of its work carries on.
        process_before_response=False,
        logger=bolt_logger,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
    )

    handled = TTLCache(RETRY_MEMORY_SECONDS)

    @app.middleware
    def a_retry_of_handled_work_does_nothing(req: BoltRequest, body: dict, next, logger: logging.Logger):
        """Slack retries what it thinks went unanswered (`X-Slack-Retry-Num`). A retry of a request
        this process already handled is acknowledged and dropped: no second welcome DM, Home tab,
        goals post or check-in thanks. (A retry landing on another replica is handled there; the
        ledger's keys keep its messages from going out twice.)"""
        identity = _identity(body)
        first = identity is None or handled.add_if_new(identity)
        if not first and req.headers.get("x-slack-retry-num"):
            logger.info("Dropped Slack's retry of %s: already handled", identity[0])
            return BoltResponse(status=200, body="")
        return next()

    @app.middleware
    def only_the_installed_workspace(body: dict, context: BoltContext, next, logger: logging.Logger):
        """A request is served with its own workspace's token only. One bot token serves one
        workspace: a validly signed request from any other (another organisation in a shared
        channel, a second install of the same app) changes nothing. With OAuth installs, Bolt's
        authorize has already refused a workspace with no installation (with NOT_INSTALLED), and
        the token it found is that workspace's, which this checks again."""
        served = context.authorize_result.team_id if context.authorize_result else None
        if served and context.team_id and context.team_id != served:
            logger.warning("Refused a request from workspace %s: this bot serves %s", context.team_id, served)
            if body.get("command"):
                return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral",
                                                                 "text": FOREIGN_WORKSPACE}),
                                    headers={"content-type": "application/json"})
            return BoltResponse(status=200, body="")
        return next()

    @app.error
    def on_error(error: Exception, body: dict, logger: logging.Logger) -> BoltResponse | None:
        # One place for unexpected failures: a traceback in the log, nothing leaked to Slack.
        # (A database failure never gets here: bot/slack/trouble.py answers it in words.)
        kind = body.get("type") or body.get("command") or "request"
        logger.error("Unhandled error while handling %s", kind, exc_info=error)
        return None

    handlers.register(app, deps)
    return app



def _identity(body: dict) -> tuple | None:
    """What stays the same between a request and Slack's retries of it."""
    if body.get("event_id"):
        return ("event", body["event_id"])
    if body.get("type") == "view_submission" and body.get("view"):
        return ("view", body["view"].get("id"), body["view"].get("hash"))
    if body.get("trigger_id"):
        return ("trigger", body["trigger_id"])
    return None

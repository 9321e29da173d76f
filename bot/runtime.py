"""Run the bot: the composition root, the Bolt app, background work, then Socket Mode or the
HTTP server, until it is stopped."""

from __future__ import annotations

import logging
import signal
import sys

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot import scheduler
from bot.deps import Deps, build_deps
from bot.server import HttpServer
from bot.services import workspaces
from bot.settings import Settings
from bot.slack.app import create_app
from storage.db import Database

log = logging.getLogger("bot")


def run(settings: Settings, db: Database) -> int:
    """Run the bot on `db` (already brought up to date by the caller) until it is stopped."""
    deps = build_deps(settings, db)
    try:
        app = create_app(deps)
    except SlackApiError as e:
        print(f"Slack refused the bot token ({e.response.get('error')}). Check SLACK_BOT_TOKEN "
              f"and that the app is installed to your workspace.", file=sys.stderr)
        return 2
    except BoltError as e:
        # Bolt checks the token with auth.test and wraps a refusal in BoltError.
        print(f"Slack refused the bot token: {e}. Check SLACK_BOT_TOKEN (OAuth & Permissions > "
              f"Bot User OAuth Token) and that the app is installed to your workspace.", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"The bot can't reach Slack at {settings.slack_api_url}: {e}", file=sys.stderr)
        return 2

    if not settings.oauth:
        _working_again(deps)
    jobs = scheduler.start(deps)
    if settings.socket_mode:
        log.info("Starting in Socket Mode")
        signal.signal(signal.SIGTERM, lambda signum, _frame: _stop(deps, signum))
        try:
            SocketModeHandler(app, settings.app_token).start()
        except KeyboardInterrupt:
            pass
        finally:
            deps.pacer.stop()
            jobs.shutdown(wait=False)
        return 0

    server = HttpServer(app, host=settings.host, port=settings.port, check=db.check)
    signal.signal(signal.SIGTERM, lambda signum, _frame: _stop(deps, signum))
    try:
        # On SIGTERM, waitress lets the requests in flight finish before its loop returns.
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        deps.pacer.stop()
        jobs.shutdown(wait=False)
        server.close()
        db.dispose()
    return 0


def _working_again(deps: Deps) -> None:
    """One bot token, and it works: the app is installed in its workspace, so a deletion of that
    workspace's data pending since an uninstall is cancelled (reinstalling gives a new token, so
    the bot has been restarted with it)."""
    try:
        team_id = deps.slack.listener().auth_test()["team_id"]
    except (SlackApiError, OSError) as e:
        log.warning("Couldn't ask Slack which workspace the bot token is for (%s)", e)
        return
    workspaces.working_again(deps, team_id=team_id)


def _stop(deps: Deps, signum: int) -> None:
    """SIGTERM: no new send starts (a post in flight finishes; the rest stays in the ledger for
    the next start or another replica), requests in flight finish, and the process exits."""
    log.info("Stopping (signal %s)", signum)
    deps.pacer.stop()
    raise SystemExit(0)

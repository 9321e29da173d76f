"""When the database fails under a listener (SQLite locked past its busy timeout, PostgreSQL
down), the person is told in words that nothing changed and to try again: never a silent drop,
never an HTTP 500.

`@explained` wraps every listener. It must catch the failure itself: an exception that escapes
a listener after its ack makes Bolt's runner throw the ack away (`ack.response = None`), and
Slack then gets no answer at all.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.common import DATABASE_TROUBLE

log = logging.getLogger(__name__)


def explained(listener: Callable) -> Callable:
    """A Bolt listener that turns a database failure into words for the person."""
    wanted = inspect.getfullargspec(listener).args

    # Bolt passes what a listener names; this one names all a listener may want, and hands the
    # wrapped one only its own. (No functools.wraps: Bolt would read the wrapped signature.)
    def run(ack: Ack, body: dict, view: dict, event: dict, respond, client: WebClient, context: BoltContext,
            logger: logging.Logger):
        acked = False

        def ack_once(*args, **kwargs):
            nonlocal acked
            acked = True
            return ack(*args, **kwargs)

        given = {"ack": ack_once, "body": body, "view": view, "event": event, "respond": respond,
                 "client": client, "context": context, "logger": logger}
        try:
            return listener(**{name: given[name] for name in wanted})
        except SQLAlchemyError:
            log.exception("The database failed while handling %s", body.get("type") or body.get("command"))
            _tell(body, ack if not acked else None, respond, client, context)
            return None

    run.__name__ = listener.__name__
    run.__qualname__ = listener.__qualname__
    run.__doc__ = listener.__doc__
    return run


def _tell(body: dict, ack: Ack | None, respond, client: WebClient, context: BoltContext) -> None:
    """In the ack when there is still one to give, else through the response URL, else a DM."""
    try:
        if ack is not None:
            if body.get("type") == "view_submission":
                inputs = [b["block_id"] for b in (body.get("view") or {}).get("blocks") or []
                          if b.get("type") == "input" and b.get("block_id")]
                if inputs:
                    ack(response_action="errors", errors={inputs[0]: DATABASE_TROUBLE})
                    return
            if body.get("command"):
                ack(response_type="ephemeral", text=DATABASE_TROUBLE)
                return
            ack()
        if body.get("type") == "event_callback":
            return  # nobody asked: the next event tries again
        if respond is not None:  # the request came with a response URL
            respond(text=DATABASE_TROUBLE, response_type="ephemeral", replace_original=False)
        elif context.user_id:
            client.chat_postMessage(channel=context.user_id, text=DATABASE_TROUBLE)
    except Exception:  # Slack unreachable too: the log has it
        log.warning("Couldn't tell %s about the database trouble", context.user_id, exc_info=True)

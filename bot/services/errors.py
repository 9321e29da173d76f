"""Why a use case can't go ahead: small exceptions with no words in them.

Listeners catch `Refusal` and tell the person why, in the words of bot/blocks (each feature
says it its own way: "nothing to pause" is not "goals come once you're matched").
"""

from __future__ import annotations


class Refusal(Exception):
    """The request is understood but can't be done; nothing was changed."""


class NotSignedUp(Refusal):
    """The person isn't in the program (never joined, or left)."""


class HasLeft(NotSignedUp):
    """The person was in the program and left it (their profile is kept until they ask)."""


class NotMatched(Refusal):
    """Signed up, but not in an active pair."""


class ProgramComplete(NotMatched):
    """Signed up and in no active pair because their pair's program is over (back in the pool)."""

    def __init__(self, partner_id: str):
        super().__init__(partner_id)
        self.partner_id = partner_id


class PairNotFound(Refusal):
    """No such pair in this workspace (or a button that names none)."""


class NotInPair(Refusal):
    """The pair is someone else's."""


class PairEnded(Refusal):
    """The pairing is over, so it can't be changed any more."""


class RoleChanged(Refusal):
    """The person's role in the pair isn't the one the open modal was made for."""


class Garbled(Refusal):
    """A button or modal names something that can't exist (a cycle past the program's end, ...)."""


class NotStarted(Refusal):
    """What is asked about hasn't begun yet (a check-in for a session still to come)."""


class NotPaused(Refusal):
    """Asked to resume while not paused."""


class UnreadablePause(Refusal):
    """The pause length or date can't be understood; `str(e)` says why, in the person's words."""

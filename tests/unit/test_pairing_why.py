"""Why two people were paired, from their profiles, and the grammar of counts."""

from __future__ import annotations

from types import SimpleNamespace

from bot.blocks.common import FORGOTTEN_PREFIX, count, user
from bot.blocks.rounds import pair_line, why_lines
from bot.domain.pairing import Why, why
from storage.repositories import erasure


def profile(share=(), learn=(), dept="Sales"):
    return SimpleNamespace(skills_share=list(share), skills_learn=list(learn), department=dept)


def test_why_reads_both_directions_what_they_share_and_their_teams():
    mentor = profile(share=["ai_tools", "data_viz"], learn=["leadership", "strategy"], dept="Engineering")
    mentee = profile(share=["leadership", "data_viz"], learn=["ai_tools", "strategy"], dept=" finance ")
    assert why(mentor, mentee) == Why(wanted=("AI tools (ChatGPT, Copilot)",), back=("Leading people",),
                                      common=("Data & dashboards", "Strategic thinking"),
                                      departments=("Engineering", "finance"))
    assert why(mentor, profile(dept="ENGINEERING ")).departments is None  # the same team, however typed
    assert why(None, mentee) == Why() and not Why().skills


def test_nothing_in_common_is_said_kindly_and_without_engine_words():
    lines = why_lines(Why(), mentor="U0A", mentee="U0B")
    assert lines == ["You picked different skills, so your first conversation is the place to find what you "
                     "can learn from each other."]
    many = why_lines(Why(wanted=tuple(f"S{i}" for i in range(6))), mentor="U0A", mentee="U0B")
    assert many[0] == "<@U0B> wants to get better at *S0*, *S1*, *S2*, *S3* and 2 more, and <@U0A> can share them."


def test_counts_are_grammatical():
    assert [count(n, "pair") for n in (0, 1, 2)] == ["0 pairs", "1 pair", "2 pairs"]
    assert count(1, "person", "people") == "1 person" and count(3, "person", "people") == "3 people"


def test_someone_whose_data_was_deleted_is_no_broken_mention():
    assert FORGOTTEN_PREFIX == erasure.PREFIX  # the builders know the storage's codes
    code = erasure.code("salt", "U0ANA")
    assert user(code) == "someone whose data was deleted" and user("U0BEN") == "<@U0BEN>"
    assert pair_line({"mentor": "U0BEN", "mentee": code, "reasons": []}) == \
        "*<@U0BEN> → someone whose data was deleted*"

"""Matching engine for reverse-mentoring rounds.

Pure package: standard library + numpy + scipy + rustworkx only (no Slack, no database); the sides come
from :mod:`bot.domain.catalog`.

- :mod:`~bot.domain.matching.model`: the types and constants (sides, score weights, limits,
  :class:`Candidate`, :class:`Rules`, :class:`Proposal` and its parts).
- :mod:`~bot.domain.matching.rules`: the hard rules, the scores and the reasons in people's
  words (`eligible`, `score`, why a pair was made, why someone was left unmatched).
- :mod:`~bot.domain.matching.solver`: the pool as numpy arrays, the solver below and `propose`.
- :mod:`~bot.domain.matching.lazykeys`: the key matrix of large pools without "either"
  people, computed block by block instead of held.
- :mod:`~bot.domain.matching.general`: maximum-weight matching on a general graph (blossom,
  rustworkx) and on paths and cycles, for "either" rounds.
- :mod:`~bot.domain.matching.blossom`: the blossom algorithm started from a matching and
  duals the solver already has (networkx's, with a warm start).

Everything other modules use is re-exported here. Greedy and random baselines, for the
benchmarks only, live in bench/baselines.py.

Input: the active pool, the history of earlier pairs and the program's rules.
Output: a :class:`Proposal` with explained pairs, explained unmatched people and statistics.

Objective (lexicographic, solved exactly): the largest number of pairs, then the most mentees
whose wanted skill is covered, then the most people left out last round, then the highest
total score. Every edge gets one integer weight whose levels cannot be outweighed by the
levels below (solver._Weights), so one maximum-weight matching gives them all. Then, among
proposals equal on all four, the most pairs of the previous preview (`keep`): a tie-break
pass on the optimum's tight edges (solver._prefer_kept; rounds without "either" people).

How it is solved (see bench/MATCHING.md for figures):

1. Scores and eligibility of every (possible mentor, possible mentee) couple are computed at
   once with one float32 matrix product (skills as 0/1 vectors, time zones one-hot) plus
   numpy comparisons, in row chunks. Large pools without "either" people (more than 100 M
   couples) keep no such matrix: :mod:`~bot.domain.matching.lazykeys` computes the same keys
   block by block whenever a pass needs them (candidates, certificate), under 1 GB at
   50,000 people.
2. The b-matching (mentor slots x mentees) is solved exactly on a *sparse candidate subgraph*
   (each mentee's and each mentor's best few edges) with scipy's LAPJVsp
   (``min_weight_full_bipartite_matching``; a private dummy column, "stays unpaired", for
   each row that some maximum matching leaves unmatched, so a full matching always
   exists). An optimal LP dual for the subgraph is then recovered from the matching
   (longest paths in the alternating graph) and checked against *every* eligible edge: if
   no edge violates it, the subgraph optimum is optimal for the full graph (LP
   duality; the bipartite b-matching polytope is integral). Violating edges are added and the
   subgraph re-solved until the certificate holds.
3. "either" people appear on both sides (the *relaxation*; its optimum is an upper bound).
   If the optimum uses someone in both roles: (a) an incumbent gives every either person one
   role (the one they hold in the relaxation, the better one if both) and re-solves the
   bipartite problem exactly with those roles; (b) the relaxation's certified LP duals give
   every edge a reduced cost rc >= 0, and a solution weighs at most relaxation - sum of its
   rc, so only edges with rc <= relaxation - incumbent can improve on the incumbent: an exact
   MILP (HiGHS, one role variable per either person, gap 0) runs on those edges only (at most
   _EITHER_MAX_EDGES of them, smallest rc first, with the excluded edges' bound kept).
   (c) the method used up to 12,000 nodes (solver._solve_cover): the round as a general
   graph (one node per person, capacity - 1 more nodes for a mentor), its fractional
   matching LP solved exactly as a b-matching of its bipartite double cover (same certified
   solver), with the row "at most `card` pairs" (card: half a perfect matching of the double
   cover, or its most edges). Its duals give every pair a reduced cost; only the pairs with
   rc <= bound - best proposal found can be in a better one, and the blossom algorithm on
   those pairs (started from the fractional optimum and its duals, else rustworkx's) finds
   the round's optimum; the bound proves it, or the blossom's own node and blossom duals,
   checked on every eligible pair (failing pairs join and it runs again). The double cover
   is read from the mentor x mentee keys; rounds after the first keep the pairs near tight.
   Above 12,000 nodes, and when "either" people can
   mentor several, (b)'s MILP starts from the best of simpler rounds (solver._either_start:
   the rounded fractional matching of the candidate pairs, every "either" person a mentee or
   a mentor, (a), the one-partner round).
   Everything runs within ``Rules.time_budget_s``: when it runs out, the best valid proposal
   found, completed with every pair still possible among the people it leaves out, is
   returned with ``stats["proven_optimal"] = False`` and the proven gap.
"""

from bot.domain.matching.model import (
    EITHER,
    MAX_REASON_LEN,
    MENTEE,
    MENTOR,
    SIDES,
    W_BACK,
    W_CROSS_DEPT,
    W_TZ_MAX,
    W_WANTED,
    WORK_DAY_MINUTES,
    Candidate,
    Proposal,
    ProposedPair,
    Rules,
    UnmatchedPerson,
)
from bot.domain.matching.rules import eligible, score
from bot.domain.matching.solver import propose

__all__ = [
    "EITHER",
    "MAX_REASON_LEN",
    "MENTEE",
    "MENTOR",
    "SIDES",
    "W_BACK",
    "W_CROSS_DEPT",
    "W_TZ_MAX",
    "W_WANTED",
    "WORK_DAY_MINUTES",
    "Candidate",
    "Proposal",
    "ProposedPair",
    "Rules",
    "UnmatchedPerson",
    "eligible",
    "propose",
    "score",
]

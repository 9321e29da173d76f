"""Suggested session topics, one per cycle, in both directions of a reverse-mentoring pair.

"digital" topics are led by the mentor (the more junior person, sharing digital skills);
"leadership" topics by the mentee (the more senior person, sharing experience back);
"both" topics are worked on together.

`topic_for(cycle, n_cycles, mentee_wants=..., mentor_wants=...)` is deterministic:
- cycle 1 is always the kick-off and the last cycle always the retrospective (a one-cycle
  program gets the kick-off);
- in programs of 6 cycles or more, cycle n//2 + 1 is a halfway goal review;
- the other cycles alternate digital (cycle 2, 4, ...) and leadership (3, 5, ...) topics.
  Within each direction, topics matching skills the pair wants to learn come first (the
  mentee's wants weigh more on digital topics, the mentor's on leadership ones, and a
  topic's main skill more than its related ones), then the rest in catalog order. When a direction runs out the other fills in, and a very long
  program starts the list again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DIGITAL = "digital"
LEADERSHIP = "leadership"
BOTH = "both"


@dataclass(frozen=True)
class Topic:
    key: str
    title: str  # <= 75 characters
    prompt: str  # 1-2 sentences with something concrete to try in the session
    direction: str  # "digital" | "leadership" | "both"
    skills: tuple[str, ...] = ()  # skill keys from bot.domain.catalog this topic serves


KICKOFF = Topic(
    "kickoff",
    "Kick-off: expectations, ground rules, and a strengths & gaps review",
    "Agree how often and how you'll meet, what stays between you, and how you'll tell each "
    "other when something isn't working. Then each of you names two strengths you bring and "
    "one gap you'd like the other to help with.",
    BOTH,
    ("feedback",),
)

MIDPOINT = Topic(
    "midpoint",
    "Halfway: revisit your goals",
    "Open the mentee's goals and score each from 1 to 5 for progress so far. Keep, sharpen "
    "or swap one, and pick the one thing you most want done by the end.",
    BOTH,
)

RETROSPECTIVE = Topic(
    "retrospective",
    "Retrospective and what next",
    "Look back at your first session's notes: what changed for each of you, and what "
    "surprised you? Agree whether and how you'll keep in touch, and each name one thing "
    "you'll keep practising on your own.",
    BOTH,
)

DIGITAL_TOPICS: tuple[Topic, ...] = (
    Topic(
        "ai_tools",
        "AI tools in everyday work",
        "Take a real task from the mentee's week (a summary, an email, a plan) and do it "
        "together with an AI assistant, comparing the result with how it's usually done.",
        DIGITAL,
        ("ai_tools",),
    ),
    Topic(
        "social_media",
        "Social media and your personal brand",
        "Review the mentee's LinkedIn profile side by side with one the mentor admires, then "
        "rewrite the headline and draft a first short post together.",
        DIGITAL,
        ("social_media", "personal_brand", "networking"),
    ),
    Topic(
        "collab_tools",
        "Collaboration tools: Trello, Asana and friends",
        "Set up a small board for something the mentee is actually running, with three "
        "columns and five cards, and agree who updates it between sessions.",
        DIGITAL,
        ("collab_tools", "agile", "remote_work"),
    ),
    Topic(
        "prompting",
        "Writing prompts that work",
        "Start from a vague prompt the mentee would normally write, then improve it in three "
        "rounds (add context, an example, and the format you want) and compare the answers.",
        DIGITAL,
        ("prompting", "ai_tools"),
    ),
    Topic(
        "spreadsheets",
        "Data and spreadsheets without the pain",
        "Bring a spreadsheet the mentee uses often and learn two things that save time on "
        "it: a pivot table, a lookup, or a filter view.",
        DIGITAL,
        ("spreadsheets", "data_viz", "finance_basics"),
    ),
    Topic(
        "slack_power",
        "Getting more out of Slack",
        "Tidy the mentee's sidebar into sections, set up two keyword notifications and a "
        "reminder, and try a huddle or a clip instead of a meeting.",
        DIGITAL,
        ("slack_power", "remote_work"),
    ),
    Topic(
        "design_tools",
        "Design tools for non-designers",
        "Turn one slide or announcement the mentee needs soon into a clean design in Figma "
        "or Canva, starting from a template.",
        DIGITAL,
        ("design_tools", "presenting"),
    ),
    Topic(
        "security",
        "Staying safe online",
        "Walk through the mentee's password manager and two-factor settings, and look at a "
        "recent phishing attempt together to spot the tells.",
        DIGITAL,
        ("security",),
    ),
    Topic(
        "gen_trends",
        "Generational trends: how a younger workforce works",
        "The mentor shares three habits or expectations common among their peers (about "
        "messaging, feedback, or flexibility), and you discuss what each means for the team.",
        DIGITAL,
        ("gen_trends", "remote_work", "leadership"),
    ),
    Topic(
        "data_viz",
        "Dashboards people actually read",
        "Sketch a one-screen dashboard for a question the mentee is asked every month, then "
        "build its first chart together.",
        DIGITAL,
        ("data_viz", "spreadsheets"),
    ),
    Topic(
        "automation",
        "No-code automation for repetitive work",
        "List three chores the mentee repeats every week and automate one of them with a "
        "workflow tool before the session ends.",
        DIGITAL,
        ("automation", "ai_tools"),
    ),
    Topic(
        "video_content",
        "Short video and new formats",
        "Record a 60-second video update from the mentee on a phone, watch it back together, "
        "and make one improvement on the second take.",
        DIGITAL,
        ("video_content", "personal_brand", "presenting"),
    ),
    Topic(
        "agile",
        "Agile ways of working, in practice",
        "Run a 15-minute mini stand-up and retro on the mentee's current project, and decide "
        "whether one ritual is worth trying with their team.",
        DIGITAL,
        ("agile", "collab_tools"),
    ),
)

LEADERSHIP_TOPICS: tuple[Topic, ...] = (
    Topic(
        "career",
        "Career development: the paths nobody writes down",
        "The mentee tells the story of two turning points in their career, and you map "
        "together the next two moves the mentor could realistically make.",
        LEADERSHIP,
        ("career", "networking"),
    ),
    Topic(
        "decision_making",
        "How decisions really get made",
        "Pick a decision the mentee made recently and walk through it: the options, who was "
        "consulted, what tipped it. The mentor then applies that to a choice of their own.",
        LEADERSHIP,
        ("decision_making", "strategy"),
    ),
    Topic(
        "org_knowledge",
        "How things really get done here",
        "Draw together the people and forums behind one recent change in the organisation, "
        "official and unofficial, and note who the mentor should get to know.",
        LEADERSHIP,
        ("org_knowledge", "networking", "stakeholders"),
    ),
    Topic(
        "leadership",
        "Leading people",
        "The mentee shares a hard people moment they handled and what they'd do differently; "
        "the mentor asks the questions they would want answered as a team member.",
        LEADERSHIP,
        ("leadership", "change"),
    ),
    Topic(
        "stakeholders",
        "Managing stakeholders",
        "Map the stakeholders of the mentor's current piece of work by influence and "
        "interest, and plan one conversation they will have this week.",
        LEADERSHIP,
        ("stakeholders", "negotiation", "org_knowledge"),
    ),
    Topic(
        "feedback",
        "Giving and receiving feedback",
        "Practise one real piece of feedback each of you owes someone, about behaviour not "
        "the person, and give each other feedback on how it landed.",
        LEADERSHIP,
        ("feedback", "leadership"),
    ),
    Topic(
        "presenting",
        "Presenting to senior audiences",
        "The mentor gives a three-minute version of an update they need to present, and the "
        "mentee plays the senior audience: interrupt, ask the awkward question, then debrief.",
        LEADERSHIP,
        ("presenting",),
    ),
    Topic(
        "strategy",
        "Strategic thinking beyond the to-do list",
        "Read one page of your organisation's strategy together and trace how the mentor's "
        "daily work connects to it, or doesn't.",
        LEADERSHIP,
        ("strategy", "finance_basics", "org_knowledge"),
    ),
    Topic(
        "negotiation",
        "Negotiation without drama",
        "Role-play a negotiation the mentor has coming up (a deadline, a budget, a role), "
        "with the mentee on the other side of the table, then swap.",
        LEADERSHIP,
        ("negotiation", "stakeholders"),
    ),
    Topic(
        "networking",
        "Building a network that helps",
        "The mentee introduces the mentor to one person worth knowing, and you plan how the "
        "mentor will start that conversation.",
        LEADERSHIP,
        ("networking", "career"),
    ),
    Topic(
        "change",
        "Leading through change",
        "Talk through a change the mentee led or lived through: what people needed to hear, "
        "and when. Then look at a change the mentor's team is going through now.",
        LEADERSHIP,
        ("change", "leadership"),
    ),
    Topic(
        "finance_basics",
        "Business and finance basics",
        "Go through one page of a budget or P&L the mentee works with, line by line, until "
        "the mentor can explain it back in plain words.",
        LEADERSHIP,
        ("finance_basics", "strategy"),
    ),
)

TOPICS: tuple[Topic, ...] = (KICKOFF, MIDPOINT, RETROSPECTIVE, *DIGITAL_TOPICS, *LEADERSHIP_TOPICS)
TOPIC_BY_KEY = {t.key: t for t in TOPICS}


def _ranked(topics: Sequence[Topic], primary: set[str], secondary: set[str]) -> list[Topic]:
    def score(item: tuple[int, Topic]) -> tuple[int, int]:
        index, topic = item
        skills = set(topic.skills)
        lead = topic.skills[0] if topic.skills else None
        points = 4 * (lead in primary) + 2 * len(skills & primary)
        points += 2 * (lead in secondary) + len(skills & secondary)
        return (-points, index)

    return [t for _, t in sorted(enumerate(topics), key=score)]


def plan(
    n_cycles: int, *, mentee_wants: Sequence[str] = (), mentor_wants: Sequence[str] = ()
) -> list[Topic]:
    """One topic per cycle, cycle 1 first."""
    if n_cycles < 1:
        raise ValueError("a program has at least one cycle")
    if n_cycles == 1:
        return [KICKOFF]
    mentee, mentor = set(mentee_wants), set(mentor_wants)
    queues = {
        DIGITAL: _ranked(DIGITAL_TOPICS, mentee, mentor),
        LEADERSHIP: _ranked(LEADERSHIP_TOPICS, mentor, mentee),
    }
    used = {DIGITAL: 0, LEADERSHIP: 0}
    midpoint = n_cycles // 2 + 1 if n_cycles >= 6 else None
    out = [KICKOFF]
    turn = DIGITAL
    for cycle in range(2, n_cycles):
        if cycle == midpoint:
            out.append(MIDPOINT)
            continue
        other = LEADERSHIP if turn == DIGITAL else DIGITAL
        direction = (
            turn if used[turn] < len(queues[turn]) or used[other] >= len(queues[other]) else other
        )
        queue = queues[direction]
        out.append(queue[used[direction] % len(queue)])
        used[direction] += 1
        turn = other
    out.append(RETROSPECTIVE)
    return out


def topic_for(
    cycle: int,
    n_cycles: int,
    *,
    mentee_wants: Sequence[str] = (),
    mentor_wants: Sequence[str] = (),
) -> Topic:
    """The suggested topic for `cycle` (1-based) of an `n_cycles` program."""
    if not 1 <= cycle <= n_cycles:
        raise ValueError(f"cycle {cycle} is outside 1..{n_cycles}")
    return plan(n_cycles, mentee_wants=mentee_wants, mentor_wants=mentor_wants)[cycle - 1]

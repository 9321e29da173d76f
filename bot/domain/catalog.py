"""The program's vocabularies: sides, the skill catalog, meeting modes and frequencies.

Keys are stored in the database and in CSV imports; labels are what people see.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sides. In reverse mentoring the mentor is the more junior person who shares digital skills;
# the mentee is the more senior person who learns them and shares leadership know-how back.
MENTOR = "mentor"
MENTEE = "mentee"
EITHER = "either"
SIDES = (MENTOR, MENTEE, EITHER)

SIDE_LABELS = {
    MENTOR: "I'll share digital skills (reverse mentor)",
    MENTEE: "I want to learn digital skills (and share my experience back)",
    EITHER: "Both: happy to share and to learn",
}
SIDE_SHORT = {MENTOR: "Sharing digital skills", MENTEE: "Learning digital skills", EITHER: "Sharing and learning"}


@dataclass(frozen=True)
class Skill:
    key: str
    label: str
    group: str  # "digital" or "leadership"


DIGITAL = "digital"
LEADERSHIP = "leadership"
GROUP_LABELS = {DIGITAL: "Digital skills", LEADERSHIP: "Leadership & organisation"}

SKILLS: tuple[Skill, ...] = (
    Skill("ai_tools", "AI tools (ChatGPT, Copilot)", DIGITAL),
    Skill("prompting", "Writing good AI prompts", DIGITAL),
    Skill("social_media", "Social media & LinkedIn", DIGITAL),
    Skill("personal_brand", "Personal brand online", DIGITAL),
    Skill("collab_tools", "Collaboration tools (Trello, Asana)", DIGITAL),
    Skill("slack_power", "Getting more out of Slack", DIGITAL),
    Skill("spreadsheets", "Excel & spreadsheets", DIGITAL),
    Skill("data_viz", "Data & dashboards", DIGITAL),
    Skill("agile", "Agile ways of working", DIGITAL),
    Skill("design_tools", "Design tools (Figma, Canva)", DIGITAL),
    Skill("video_content", "Video & short-form content", DIGITAL),
    Skill("remote_work", "Remote & hybrid work habits", DIGITAL),
    Skill("security", "Security & privacy online", DIGITAL),
    Skill("automation", "No-code automation", DIGITAL),
    Skill("gen_trends", "Generational trends", DIGITAL),
    Skill("leadership", "Leading people", LEADERSHIP),
    Skill("decision_making", "Decision making", LEADERSHIP),
    Skill("career", "Career development", LEADERSHIP),
    Skill("org_knowledge", "How the organisation works", LEADERSHIP),
    Skill("stakeholders", "Managing stakeholders", LEADERSHIP),
    Skill("negotiation", "Negotiation", LEADERSHIP),
    Skill("strategy", "Strategic thinking", LEADERSHIP),
    Skill("feedback", "Giving & receiving feedback", LEADERSHIP),
    Skill("presenting", "Presenting to senior audiences", LEADERSHIP),
    Skill("networking", "Building a network", LEADERSHIP),
    Skill("change", "Leading through change", LEADERSHIP),
    Skill("finance_basics", "Business & finance basics", LEADERSHIP),
)

SKILL_BY_KEY = {s.key: s for s in SKILLS}
SKILL_LABELS = {s.key: s.label for s in SKILLS}


def skill_label(key: str) -> str:
    return SKILL_LABELS.get(key, key)


def skill_list(keys) -> str:
    """'AI tools, Excel & spreadsheets' for display; '-' when empty."""
    labels = [skill_label(k) for k in keys]
    return ", ".join(labels) if labels else "-"


MEETING_MODES = {"video": "Video call", "in_person": "In person", "chat": "Chat / async", "any": "No preference"}
FREQUENCIES = {"weekly": "Every week", "biweekly": "Every two weeks"}

# Limits of what people write (the modals' max lengths and the forms' checks use these).
MAX_SENIORITY_YEARS = 60
MAX_DEPARTMENT_LEN = 80
MAX_INTRO_LEN = 280
MAX_NAME_LEN = 120
MAX_GOALS = 3  # a mentee's goals, and a mentor's learn-back items
MAX_GOAL_WHAT = 300
MAX_GOAL_WHY = 500
MAX_GOAL_MEASURE = 300
MAX_LEARN_BACK = 200
MAX_CHECKIN_TEXT = 1000  # each free-text answer of a check-in

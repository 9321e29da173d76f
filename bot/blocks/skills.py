"""Words for `/mentoring skills`: the workspace's skill catalog and the admins' changes to it.
Pure functions."""

from __future__ import annotations

from bot.blocks.common import esc, section, truncate, user
from bot.domain import catalog
from bot.domain.skills import MAX_LABEL, SkillCatalog
from bot.services import skills as s
from bot.services.errors import Refusal
from bot.slack.ids import COMMAND, Sub

HOW = (f"`{COMMAND} {Sub.SKILLS} add Podcasting` (or `add leadership Coaching`) adds a skill; "
       f"`{COMMAND} {Sub.SKILLS} rename podcasting Podcasts & audio` renames one; "
       f"`{COMMAND} {Sub.SKILLS} retire podcasting` stops offering one (people who have it keep it), "
       f"`{COMMAND} {Sub.SKILLS} restore podcasting` offers it again. Name a skill by its key or its name.")
USAGE = f"I didn't understand that. {HOW} Nothing was changed."


def build_catalog(cat: SkillCatalog) -> dict:
    """The catalog, by group: each skill's name and key, retired ones marked."""
    blocks = [section(f"*The program's skills* (what people pick when they join). {HOW}")]
    for group, title in catalog.GROUP_LABELS.items():
        lines = []
        for skill in (k for k in cat.skills if k.group == group):
            mark = " _(retired: kept on profiles, not offered)_" if skill.retired else ""
            added = "" if skill.builtin else " _(added)_"
            lines.append(f"• {esc(skill.label)} `{skill.key}`{added}{mark}")
        text = f"*{title}*\n" + "\n".join(lines)
        while text:
            blocks.append(section(truncate(text, 3000)))
            text = text[2999:] if len(text) > 3000 else ""
    return {"response_type": "ephemeral", "text": "The program's skills", "blocks": blocks[:50]}


def changed_text(verb: str, changed: s.Changed, *, by: str) -> str:
    """For the admin channel: who changed which skill."""
    name, key = esc(changed.skill.label), changed.skill.key
    if verb == "add":
        group = catalog.GROUP_LABELS.get(changed.skill.group) or esc(changed.skill.group)
        return f"{user(by)} added the skill *{name}* (`{key}`, {group}): people can pick it from now on."
    if verb == "rename":
        return (f"{user(by)} renamed the skill *{esc(changed.before or '')}* to *{name}* (`{key}`); "
                "everyone who has it keeps it.")
    if verb == "retire":
        return (f"{user(by)} retired the skill *{name}* (`{key}`): it's no longer offered; everyone who "
                "has it keeps it.")
    return f"{user(by)} restored the skill *{name}* (`{key}`): people can pick it again."


def refusal(e: Refusal) -> str:
    if isinstance(e, s.BadLabel):
        return (f"A skill's name needs 1 to {MAX_LABEL} characters, without `< > * _ ~ |` or a leading @ or #. "
                "Nothing was changed.")
    if isinstance(e, s.LabelTaken):
        return f"There's already a skill called *{esc(e.label)}* (`{e.key}`). Nothing was changed."
    if isinstance(e, s.UnknownSkill):
        return (f"I don't know a skill called `{esc(e.typed)[:80]}`. `{COMMAND} {Sub.SKILLS}` lists them with "
                "their keys. Nothing was changed.")
    if isinstance(e, s.AlreadyRetired):
        return f"*{esc(e.skill.label)}* is already retired. Nothing was changed."
    if isinstance(e, s.TooMany):
        return (f"The program already offers {s.MAX_OFFERED} skills, as many as Slack's menus can hold: retire one "
                "first. Nothing was changed.")
    if isinstance(e, s.NotRetired):
        return f"*{esc(e.skill.label)}* is offered already. Nothing was changed."
    return "That can't be done. Nothing was changed."

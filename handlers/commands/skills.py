"""`/mentoring skills [add|rename|retire|restore …]`: the workspace's skill catalog, for admins in
the admin channel (the router has checked). Changes are announced in the channel."""

from __future__ import annotations

from bot.blocks import skills as words
from bot.services import skills
from bot.services.errors import Refusal
from bot.slack.ids import Sub
from handlers.commands.request import CommandRequest


def routes() -> dict:
    return {Sub.SKILLS: skills_command}


def skills_command(req: CommandRequest) -> None:
    args = req.args
    verb = args[0].lower() if args else ""
    deps, team = req.deps, req.team_id
    try:
        if not args:
            req.ack(**words.build_catalog(skills.catalog_for(deps.db, team_id=team)))
            return
        if verb == "add" and len(args) >= 2:
            group = skills.GROUPS.get(args[1].lower()) if len(args) >= 3 else None
            label = " ".join(args[2:] if group else args[1:])
            changed = skills.add_skill(deps, team_id=team, label=label, group=group or "digital", by=req.user_id)
        elif verb == "rename" and len(args) >= 3:
            changed = _rename(req, args[1:])
        elif verb in ("retire", "restore") and len(args) >= 2:
            changed = skills.retire_skill(deps, team_id=team, typed=" ".join(args[1:]), by=req.user_id,
                                          retire=verb == "retire")
        else:
            req.ack(text=words.USAGE, response_type="ephemeral")
            return
    except Refusal as e:
        req.ack(text=words.refusal(e), response_type="ephemeral")
        return
    req.ack(text=words.changed_text(verb, changed, by=req.user_id), response_type="in_channel")


def _rename(req: CommandRequest, rest: list[str]) -> skills.Changed:
    """`rename <key or name> <new name>`: the longest leading words that name a skill are the old
    one (so "rename AI tools AI assistants" works as well as "rename ai_tools AI assistants")."""
    cat = skills.catalog_for(req.deps.db, team_id=req.team_id)
    for cut in range(len(rest) - 1, 0, -1):
        if cat.find(" ".join(rest[:cut])) is not None:
            return skills.rename_skill(req.deps, team_id=req.team_id, typed=" ".join(rest[:cut]),
                                       label=" ".join(rest[cut:]), by=req.user_id)
    raise skills.UnknownSkill(rest[0])

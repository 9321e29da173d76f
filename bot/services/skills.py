"""Each workspace's skill catalog (bot/domain/skills.py): read it, and let admins add, rename and
retire skills. Keys never change; a retired skill stays on the profiles that have it and isn't
offered to anyone new."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from bot.domain import catalog
from bot.domain.skills import MAX_LABEL, CatalogSkill, Entry, SkillCatalog, fold
from bot.services.errors import Refusal
from storage.db import Database, is_unique_violation
from storage.repositories import skills as repo

GROUPS = {catalog.DIGITAL: catalog.DIGITAL, "leadership": catalog.LEADERSHIP}
MAX_OFFERED = 100  # the most options a Slack menu (the join modal's skill pickers) can hold


class BadLabel(Refusal):
    """The name is empty, too long, or has characters a name can't have."""


class LabelTaken(Refusal):
    def __init__(self, key: str, label: str):
        super().__init__(key, label)
        self.key = key
        self.label = label


class UnknownSkill(Refusal):
    def __init__(self, typed: str):
        super().__init__(typed)
        self.typed = typed


class AlreadyRetired(Refusal):
    def __init__(self, skill: CatalogSkill):
        super().__init__(skill.key)
        self.skill = skill


class TooMany(Refusal):
    """The catalog offers as many skills as a Slack menu can hold."""


class NotRetired(Refusal):
    def __init__(self, skill: CatalogSkill):
        super().__init__(skill.key)
        self.skill = skill


def catalog_for(db: Database, *, team_id: str) -> SkillCatalog:
    """The workspace's catalog: the built-in one with its changes."""
    with db.session(read_only=True) as s:
        rows = repo.entries(s, team_id=team_id)
    return SkillCatalog.with_changes(Entry(r.key, r.label, r.group, r.retired_at is not None) for r in rows)


def _label(raw: str) -> str:
    label = " ".join((raw or "").split())
    if not label or len(label) > MAX_LABEL or any(c in label for c in "<>*_`~|") or label.startswith(("@", "#")):
        raise BadLabel(label)
    return label


def _taken(cat: SkillCatalog, label: str, *, but: str | None = None) -> None:
    other = cat.find(label)
    if other is not None and other.key != but:
        raise LabelTaken(other.key, other.label)


@dataclass(frozen=True)
class Changed:
    skill: CatalogSkill
    before: str | None = None  # the label it had (a rename)


def add_skill(deps: Deps, *, team_id: str, label: str, group: str, by: str) -> Changed:
    """A new skill, offered from now on. Raises BadLabel or LabelTaken."""
    label = _label(label)
    cat = catalog_for(deps.db, team_id=team_id)
    _taken(cat, label)
    if len(cat.offered()) >= MAX_OFFERED:
        raise TooMany()
    key = cat.new_key(label)
    try:
        with deps.db.session() as s:
            repo.put(s, team_id=team_id, key=key, label=label, group=group, retired_at=None, by=by, at=deps.now(),
                     created=True)
    except IntegrityError as e:  # another admin added it at the same moment
        if not is_unique_violation(e):
            raise
        raise LabelTaken(key, label) from e
    return Changed(CatalogSkill(key, label, group, builtin=False))


def _find(cat: SkillCatalog, typed: str) -> CatalogSkill:
    skill = cat.find(typed)
    if skill is None:
        raise UnknownSkill(typed)
    return skill


def rename_skill(deps: Deps, *, team_id: str, typed: str, label: str, by: str) -> Changed:
    """A skill's new name (its key and who has it don't change). Raises UnknownSkill, BadLabel, LabelTaken."""
    label = _label(label)
    cat = catalog_for(deps.db, team_id=team_id)
    skill = _find(cat, typed)
    if fold(label) != fold(skill.label):
        _taken(cat, label, but=skill.key)
    with deps.db.session() as s:
        repo.put(s, team_id=team_id, key=skill.key, label=label, group=skill.group,
                 retired_at=deps.now() if skill.retired else None, by=by, at=deps.now(), created=False)
    return Changed(CatalogSkill(skill.key, label, skill.group, skill.retired, skill.builtin), before=skill.label)


def retire_skill(deps: Deps, *, team_id: str, typed: str, by: str, retire: bool = True) -> Changed:
    """Stop offering a skill (it stays on the profiles that have it), or offer it again
    (`retire=False`). Raises UnknownSkill, AlreadyRetired or NotRetired."""
    cat = catalog_for(deps.db, team_id=team_id)
    skill = _find(cat, typed)
    if retire and skill.retired:
        raise AlreadyRetired(skill)
    if not retire and not skill.retired:
        raise NotRetired(skill)
    if not retire and len(cat.offered()) >= MAX_OFFERED:
        raise TooMany()
    with deps.db.session() as s:
        repo.put(s, team_id=team_id, key=skill.key, label=skill.label, group=skill.group,
                 retired_at=deps.now() if retire else None, by=by, at=deps.now(), created=False)
    return Changed(CatalogSkill(skill.key, skill.label, skill.group, retire, skill.builtin))

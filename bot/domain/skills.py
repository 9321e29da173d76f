"""A workspace's skill catalog: the built-in one (bot/domain/catalog.py) with the workspace's
changes (skills its admins added, built-in ones they renamed or retired).

Keys never change: profiles, pairs and imports keep them. A retired skill keeps its label on the
profiles that have it, and isn't offered to anyone for new choices.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain import catalog

MAX_LABEL = 75  # what a Block Kit option's text holds
MAX_KEY = 40


@dataclass(frozen=True)
class Entry:
    """One row of a workspace's changes (storage's SkillEntry, as the domain sees it)."""

    key: str
    label: str
    group: str
    retired: bool


@dataclass(frozen=True)
class CatalogSkill:
    key: str
    label: str
    group: str
    retired: bool = False
    builtin: bool = True


def fold(text: str) -> str:
    """For comparing what people type: case, accents' width forms and spacing don't matter."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


class SkillCatalog:
    def __init__(self, skills: Iterable[CatalogSkill]):
        self.skills: tuple[CatalogSkill, ...] = tuple(skills)
        self._by_key = {s.key: s for s in self.skills}

    @classmethod
    def builtin(cls) -> SkillCatalog:
        return cls(CatalogSkill(s.key, s.label, s.group) for s in catalog.SKILLS)

    @classmethod
    def with_changes(cls, entries: Iterable[Entry]) -> SkillCatalog:
        """The built-in catalog, then the workspace's changes: built-in skills renamed or retired
        in place, added skills after them in the order given."""
        changes = {e.key: e for e in entries}
        skills = []
        for s in catalog.SKILLS:
            e = changes.pop(s.key, None)
            skills.append(CatalogSkill(s.key, e.label if e else s.label, s.group, bool(e and e.retired)))
        skills += [CatalogSkill(e.key, e.label, e.group, e.retired, builtin=False) for e in changes.values()]
        return cls(skills)

    def get(self, key: str) -> CatalogSkill | None:
        return self._by_key.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    @property
    def labels(self) -> dict[str, str]:
        """Every key (retired ones too: they stay on profiles) -> its label."""
        return {s.key: s.label for s in self.skills}

    def label(self, key: str) -> str:
        s = self._by_key.get(key)
        return s.label if s else key

    def label_list(self, keys: Iterable[str]) -> str:
        """'AI tools, Excel & spreadsheets' for display; '-' when empty."""
        labels = [self.label(k) for k in keys]
        return ", ".join(labels) if labels else "-"

    def offered(self, group: str | None = None) -> list[CatalogSkill]:
        """The skills offered for new choices (not retired), in the catalog's order."""
        return [s for s in self.skills if not s.retired and (group is None or s.group == group)]

    def choosable(self, key: str, *, kept: Iterable[str] = ()) -> bool:
        """May someone pick `key` now: offered, or retired but already on their profile (`kept`)."""
        s = self._by_key.get(key)
        return s is not None and (not s.retired or key in set(kept))

    def lookup(self) -> dict[str, str]:
        """Folded key or label -> key, for what people type (CSV imports, commands)."""
        out: dict[str, str] = {}
        for s in self.skills:
            out.setdefault(fold(s.label), s.key)
            out.setdefault(fold(s.key), s.key)
            out.setdefault(fold(s.key.replace("_", " ")), s.key)
        return out

    def find(self, typed: str) -> CatalogSkill | None:
        """The skill whose key or label is `typed` (case-insensitively)."""
        key = self.lookup().get(fold(typed))
        return self._by_key.get(key) if key else None

    def new_key(self, label: str) -> str:
        """A key for a new skill called `label`: its words in lower case, joined by underscores,
        made unique (keys are never reused, not even a retired skill's)."""
        ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
        base = "_".join(re.findall(r"[a-z0-9]+", ascii_.casefold()))[:MAX_KEY - 4] or "skill"
        key, n = base, 2
        while key in self._by_key:
            key, n = f"{base}_{n}", n + 1
        return key

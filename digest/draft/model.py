"""The Digest model: what one monthly post shows, ready-made for the template (no logic)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DigestChange:
    """One change shown in a release section: the English line, its link and its Japanese."""

    id: str
    english: str
    url: str | None
    japanese: str = ""
    state: str = "machine"
    origin: str = "rules"
    components: tuple[str, ...] = ()
    key: str = ""


@dataclass(frozen=True)
class ReleaseSection:
    """A release of the month with the changes selected for the digest."""

    number: str
    project: str
    project_name: str
    version: str
    date: str
    announcement: str | None
    changelog_url: str | None
    changes: tuple[DigestChange, ...]
    selection: str
    folded: tuple[str, ...] = ()  # release candidates of the same month shown in this section
    rc_sources: tuple[str, ...] = ()  # rc versions whose ChangeLog entries this section shows
    same_as: str = ""  # releases showing this one's changes ("1.4.2"), when it shows none


@dataclass(frozen=True)
class NewsItem:
    """A mailing-list message or feed entry of the month worth a line in the digest."""

    title: str
    url: str | None
    date: str
    source: str


@dataclass(frozen=True)
class Digest:
    """Everything the post template needs, ready-made."""

    month: str
    front_matter: dict[str, Any]
    releases: tuple[ReleaseSection, ...]
    news: tuple[NewsItem, ...]
    failures: tuple[str, ...] = ()
    editor: dict[str, str] = field(default_factory=dict)
    failed_sources: tuple[str, ...] = ()  # ids of sources whose last fetch failed

    @property
    def changes(self) -> list[DigestChange]:
        """Every change of every release section, in order."""
        return [change for section in self.releases for change in section.changes]


Translate = Callable[[list[str]], list[Any]]


# The visible notice a draft starts with while a source's last fetch failed; `site build`
# refuses a post that still carries it (the editor deletes it before publishing).
FAILED_SOURCES_NOTICE = "⚠ 取得に失敗したソースがあります"

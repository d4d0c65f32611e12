"""What every ChangeLog format shares: sections being built, entries, versions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest.models import ChangelogEntry, ChangelogSection

CATEGORY_HEADING = re.compile(
    r"^(?P<head>[A-Z][\w/-]*(?:\s+[\w/-]+){0,5}?)\s+(?:since|in)\s+"
    r"(?:Pacemaker-|Heartbeat-|unstable-|stable-|v?\d|[0-9a-f]{7,}\b)\S*"
    r"\s*(?:\([^)]*\))?\s*:?$"
)

CATEGORIES = (  # first match on the lower-cased heading wins
    ("regression", "regressions"),
    ("api", "api"),
    ("command line option", "options"),
    ("propert", "properties"),
    ("removed", "removed"),
    ("feature", "features"),
    ("fix", "fixes"),
    ("build", "build"),
    ("change", "changes"),
)

CATEGORY_WORDS = re.compile(r"change|feature|fix|api|deprecat|remov|propert|option|build", re.I)

_SEVERITY = re.compile(r"^(?P<sev>high|medium|med|low)\s*(?:\((?P<ticket>[^)]*)\))?\s*:\s+", re.I)

_KIND = re.compile(
    r"^(?P<kind>Fix|fix|Dev|dev|Feature|feature|Refactor|refactor|Chore|chore|WIP|Doc|Test)"
    r"\s*:\s+"
)

_BOLD_COMPONENT = re.compile(r"^\*\*(?P<comp>[^*]+?):\*\*\s*")

_WORD = r"[A-Za-z(][\w.()/#+-]*"

_COMPONENT = re.compile(rf"^(?P<comp>{_WORD}(?:(?:, ?| ){_WORD}){{0,3}}):\s+")

_COMPONENT_MAX = 40

_NOT_COMPONENT = {"fix", "fixed", "improve", "improved", "add", "added", "use", "update", "make"}

_VERSION = re.compile(
    r"(?P<core>\d+(?:\.\d+)*)(?:[-. ~_]?(?P<pre>(?:rc|pre|beta|alpha)(?:\.(?=\d))?\d*[a-z]?))?"
    r"(?:-(?P<pkg>\d[\w.]*))?",
    re.I,
)

_VERSION_PREFIX = re.compile(r"^(?:[A-Za-z][A-Za-z_]*-|v)(?=\d)")

_SEVERITIES = {"high": "High", "medium": "Medium", "med": "Medium", "low": "Low"}


@dataclass
class Item:
    """An entry being collected: its lines, nesting and category."""

    lines: list[str]
    category: str | None
    parent: int | None


@dataclass
class Section:
    """A section being collected line by line."""

    raw_version: str
    date: str | None
    line: int
    versioned: bool
    items: list[Item] = field(default_factory=list)
    category: str | None = None
    stack: list[tuple[int, int]] = field(default_factory=list)
    current: Item | None = None
    skip_indent: int | None = None
    seen_bullet: bool = False

    def close(self) -> None:
        """End the current item and any skipped block."""
        self.current = None
        self.skip_indent = None

    def start_block(self, category: str | None) -> None:
        """Start a new category block: nesting restarts."""
        self.close()
        self.category = category
        self.stack.clear()

    def add_item(self, indent: int, body: str) -> None:
        """Append an item, nested under the closest less indented item."""
        while self.stack and self.stack[-1][0] >= indent:
            self.stack.pop()
        parent = self.stack[-1][1] if self.stack else None
        self.items.append(Item([body], self.category, parent))
        self.stack.append((indent, len(self.items)))
        self.current = self.items[-1]
        self.skip_indent = None


def normalise_version(raw: str) -> str:
    """Return the release version of a header/tag: `Pacemaker-1.1.14-rc3-1` -> `1.1.14-rc3`."""
    s = _VERSION_PREFIX.sub("", raw.strip())
    m = _VERSION.match(s)
    if not m:
        return s
    pre = m["pre"]
    return f"{m['core']}-{pre.lower().replace('.', '')}" if pre else m["core"]


def find_section(sections: Sequence[ChangelogSection], version: str) -> ChangelogSection | None:
    """Return the section for exactly `version` (see the module docstring for rc quirks)."""
    want = _version_key(normalise_version(version))
    matches = [s for s in sections if _version_key(s.version) == want]
    if matches:
        return min(enumerate(matches), key=lambda p: (_package_rank(p[1].raw_version), p[0]))[1]
    if not sections:
        return None
    first = sections[0]
    core, pre = want
    if pre and core and _version_key(first.version) == (core, ""):
        return first
    return first if first.version == "" else None


def finish(sec: Section) -> ChangelogSection:
    """Turn a collected section into its frozen record."""
    entries = tuple(_entry(i, item) for i, item in enumerate(sec.items, 1))
    version = normalise_version(sec.raw_version) if sec.raw_version else ""
    return ChangelogSection(version, sec.raw_version, sec.date, sec.line, entries)


def _entry(position: int, item: Item) -> ChangelogEntry:
    """Split one collected item into severity, kind, component and text."""
    raw = " ".join(item.lines)
    rest, severity, ticket = raw, None, None
    m = _SEVERITY.match(rest)
    if m:
        severity, ticket, rest = _SEVERITIES[m["sev"].lower()], m["ticket"], rest[m.end() :]
    kind = None
    m = _KIND.match(rest)
    if m:
        kind, rest = m["kind"].lower(), rest[m.end() :]
    component, rest = _component(rest)
    text = rest.strip() or raw
    if ticket:
        text = f"{text} ({ticket})"
    return ChangelogEntry(
        position, text, raw, severity, component, item.category, kind=kind, parent=item.parent
    )


def _component(rest: str) -> tuple[str | None, str]:
    """Peel one `component:` (or Markdown `**component:**`) prefix off an item."""
    m = _BOLD_COMPONENT.match(rest)
    if m:
        return m["comp"].strip(), rest[m.end() :]
    m = _COMPONENT.match(rest)
    if not m or len(m["comp"]) > _COMPONENT_MAX:
        return None, rest
    words = re.sub(r",\s*", ",", m["comp"]).split(" ")
    if len(words) > 2 or (len(words) == 2 and words[0].lower() in _NOT_COMPONENT):
        return None, rest
    return m["comp"], rest[m.end() :]


def peel_component(item: str) -> tuple[str | None, str]:
    """The `component:` prefix of a change line (or None) and the rest of it."""
    return _component(item)


def category(heading: str) -> str:
    """Slug for a block heading such as `Features added since Pacemaker-3.0.1`."""
    m = CATEGORY_HEADING.match(heading)
    head = (m["head"] if m else heading).lower()
    for needle, slug in CATEGORIES:
        if needle in head:
            return slug
    return head


def strip_bold(text: str) -> str:
    """Remove Markdown bold markers around a whole line."""
    return text.replace("**", "").strip()


def _version_key(version: str) -> tuple[tuple[int, ...] | None, str]:
    """Comparable key: numeric core without trailing zeros, plus the pre-release tag."""
    m = _VERSION.fullmatch(version) if version else None
    if not m or m["pkg"]:
        return None, version
    core = [int(p) for p in m["core"].split(".")]
    while len(core) > 1 and core[-1] == 0:
        core.pop()
    return tuple(core), (m["pre"] or "").lower().replace(".", "")


def _package_rank(raw_version: str) -> int:
    """Prefer a section for the upstream release over package rebuilds and snapshots."""
    m = _VERSION.match(_VERSION_PREFIX.sub("", raw_version.strip()))
    pkg = m["pkg"] if m else None
    if pkg in (None, "1"):
        return 0
    return 2 if pkg.startswith("0") else 1

"""Release announcements: which project and version a subject or feed title announces.

Detection is pure (no I/O); the items an announcement lists are then tied to their commits.
A project is recognised by its name (quoted or not: `Reusable Cluster Components (glue)`), id,
quoted nickname ("glue") and name without a trailing series ("Pacemaker 1.0" -> "Pacemaker",
which then claims only 1.0.x); a release candidate named in words ("Third release candidate of
Pacemaker 3.0.1") is that rc;
a version must also fit the project's release tag pattern, so "Pacemaker 1.0.12" goes to
pacemaker-1.0 and "Pacemaker 1.1.6" to pacemaker. Change items are the bulleted lines of the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from digest import store
from digest.config import Project
from digest.fetch.matching import SubjectIndex, link_entries
from digest.fetch.similarity import Components, taxonomy_components
from digest.models import ChangelogEntry, FeedEntry
from digest.sources.changelog.sections import peel_component

MatchedItem = tuple[str, str | None, str | None]  # item text, commit sha, match method

MAX_ITEMS = 300

VERSION = r"(?P<version>\d+\.\d+(?:\.\d+){0,2}(?:[-~.]?(?:rc|beta|alpha|pre)\.?\d*[a-z]?)?)"
_LIST_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_REPLY = re.compile(r"^\s*(?:re|fwd?|aw|antw|sv|vs)\s*(?:\[\d+\])?\s*:", re.I)
_ANNOUNCE_TAG = re.compile(r"\[\s*(?:announce(?:ment)?|ann)\s*\]", re.I)
_KEYWORD = re.compile(
    r"\b(?:released?|releases|available|announc\w*|is\s+out|final|now\s+ready)\b", re.I
)
_QUOTED = re.compile(r'["“”«»()]')
_QUOTES = re.compile(r'["“”«»]')
_CANDIDATE = re.compile(r"\brelease\s+candidate\b", re.I)
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_RC_NUMBER = re.compile(
    r"\b(?:rc\s*(?P<rc>\d+)|candidate\s*#?\s*(?P<after>\d+)|(?P<ord>"
    + "|".join(_ORDINALS)
    + r")\s+release\s+candidate)\b",
    re.I,
)
_RC_SUFFIX = re.compile(r"[-~.]?(?:rc|beta|alpha|pre)\.?\d*[a-z]?$", re.I)
# "v4.18.0 rc1": an rc number written apart from its version
_SPACED_RC = r"(?:[\s_]+rc[\s.]?(?P<spaced_rc>\d+))?"
# other releases named in the same subject ("drbd-9.2.15 and drbd-utils-9.33.0")
_OTHER_RELEASE = re.compile(r"(?<![\w.])[a-z][\w+]*(?:-[a-z][\w+]*)*[-_ ]v?\d+(?:\.\d+)+\S*", re.I)
_LONE = r"(?<![\w.])v?" + VERSION  # a version standing alone ("v5.0.0", "9.33.0")
_BARE_VERSION = re.compile(_LONE + _SPACED_RC + r"(?![\w.])", re.I)
_JOINERS = re.compile(r"(?:\s|,|&|\band\b)+", re.I)
_TRAILING_SERIES = re.compile(r"^(?P<base>.*?)\s+(?P<series>\d+\.\d+)$")
_TAG_LINK = re.compile(r"/releases/tag/(?P<tag>[^/?#]+)")

_BULLET = re.compile(r"^(?P<indent>[ \t]{0,8})(?:[-*+•·]|\d{1,3}[.)])[ \t]+(?P<text>\S.*)$")
_UNDERLINE = re.compile(r"^\s*[-=~]{3,}\s*$")
_HEADING_VERSION = re.compile(_LONE + r"(?![\w.])")
_SEVERITY = re.compile(r"^(?P<indent>[ \t]{0,8})(?P<text>(?:High|Medium|Low):[ \t]+\S.*)$")


@dataclass(frozen=True)
class ProjectNames:
    """How a project is called in announcements, and which versions can be its own."""

    id: str
    aliases: tuple[str, ...]
    series: str | None = None
    tag_patterns: tuple[re.Pattern[str], ...] = ()

    def accepts(self, version: str) -> bool:
        """Whether a version can belong to this project (series and release tag patterns)."""
        if self.series and not version.startswith(self.series + "."):
            return False
        tags = [_tag_for(p, version) for p in self.tag_patterns]
        checks = [p.match(t) is not None for p, t in zip(self.tag_patterns, tags, strict=True) if t]
        return any(checks) if checks else True


def project_names(projects: Iterable[Project]) -> list[ProjectNames]:
    """Names of each project: its name, id, quoted nickname and name without a series."""
    result = []
    for project in projects:
        names = {project.name, project.id, project.id.replace("-", " ")}
        names.add(_QUOTES.sub("", project.name))  # Reusable Cluster Components (glue)
        series = None
        for quoted in re.findall(r'\("?([^")]+)"?\)', project.name):
            names.add(quoted)
        bare = _QUOTED.sub(" ", re.sub(r'\("?[^")]+"?\)', "", project.name)).strip()
        names.add(bare)
        trailing = _TRAILING_SERIES.match(project.name)
        if trailing:
            series = trailing.group("series")
            names.add(trailing.group("base"))
        patterns = tuple(s.release_tags for s in project.sources if s.release_tags is not None)
        aliases = tuple(sorted({" ".join(n.split()) for n in names if n.strip()}, key=len))
        result.append(ProjectNames(project.id, aliases[::-1], series, patterns))
    return result


def _tag_for(pattern: re.Pattern[str], version: str) -> str | None:
    """The tag a release_tags pattern would give a version, when its prefix is plain text."""
    source = pattern.pattern
    head = source.split("(?P<version>", 1)[0].lstrip("^")
    literal = re.sub(r"\\(.)", r"\1", head)
    if re.search(r"[\\\[\](){}*+?|^$]", literal) or re.search(r"(?<!\\)[.]", head):
        return None
    return literal + version


def detect_release(
    title: str, projects: list[ProjectNames], *, keyword_required: bool = True
) -> tuple[str, str] | None:
    """(project, version) announced by a subject or title, or None.

    An announcement names a project right before a version, is not a reply, and either carries
    an [ANNOUNCE] tag, says released/available/announce..., or is just "<name> <version>".
    """
    if _REPLY.match(_strip_tags(title, keep_announce=True)):
        return None
    text = _QUOTES.sub("", _strip_tags(title))
    tagged = bool(_ANNOUNCE_TAG.search(title))
    if text.rstrip().endswith("?"):
        return None
    for names, version, whole in _mentions(text, projects):
        if not keyword_required or tagged or whole or _KEYWORD.search(text):
            return _candidate(text, names, version)
    return None


def _candidate(text: str, names: ProjectNames, version: str) -> tuple[str, str] | None:
    """The release a text announces: "Third release candidate of X 3.0.1" is 3.0.1-rc3.

    A release candidate whose number cannot be told is no release (None), not the final.
    """
    if _RC_SUFFIX.search(version) or not _CANDIDATE.search(text):
        return names.id, version
    found = _RC_NUMBER.search(text)
    if found is None:
        return None
    number = found.group("rc") or found.group("after")
    if number is None:
        number = str(_ORDINALS.index(found.group("ord").lower()) + 1)
    candidate = f"{version}-rc{number}"
    return (names.id, candidate) if names.accepts(candidate) else None


def _strip_tags(title: str, *, keep_announce: bool = False) -> str:
    text = title
    while True:
        match = _LIST_TAG.match(text)
        if not match or (keep_announce and _ANNOUNCE_TAG.match(match.group(0).strip())):
            return text.strip() if not keep_announce else _ANNOUNCE_TAG.sub("", text).strip()
        text = text[match.end() :]


def _mentions(text: str, projects: list[ProjectNames]) -> Iterable[tuple[ProjectNames, str, bool]]:
    """Projects named right before a version they accept; `whole` if that is all the text."""
    found = []
    for names in projects:
        for alias in names.aliases:
            words = r"[\s_-]+".join(re.escape(w) for w in alias.split())
            pattern = re.compile(
                r"(?<![\w.])"
                + words
                + r"[\s_:-]*(?:version\s+|v(?=\d))?"
                + VERSION
                + _SPACED_RC
                + r"(?![\w.])",
                re.I,
            )
            match = pattern.search(text)
            version = _version_of(match, names) if match else None
            if match and version:
                rest = (text[: match.start()] + text[match.end() :]).strip(" .!-:")
                found.append((len(alias), names, version, _nothing_but_releases(rest)))
                break
    found.sort(key=lambda f: (-(f[1].series is not None), -f[0]))
    return [(names, version, whole) for _, names, version, whole in found]


def _version_of(match: re.Match[str], names: ProjectNames) -> str | None:
    """The version a mention names, if the project accepts it: "4.18.0 rc1" is the rc in the
    form of the project's tags (4.18.0rc1, 4.18.0-rc1 or 4.18.0-rc.1)."""
    version = match.group("version")
    number = match.group("spaced_rc")
    if number is None:
        return version if names.accepts(version) else None
    forms = (f"{version}rc{number}", f"{version}-rc{number}", f"{version}-rc.{number}")
    return next((form for form in forms if names.accepts(form)), None)


def _nothing_but_releases(rest: str) -> bool:
    """True when the rest of a subject only names other releases ("drbd-9.2.15 and")."""
    return not _JOINERS.sub("", _OTHER_RELEASE.sub("", rest)).strip(" .!-:")


def detect_feed_release(
    entry: FeedEntry, projects: list[ProjectNames], feed_projects: tuple[str, ...]
) -> tuple[str, str] | None:
    """(project, version) of a feed entry: by name and version, else by the feed's project."""
    scoped = [p for p in projects if p.id in feed_projects] or projects
    found = detect_release(entry.title, scoped, keyword_required=len(feed_projects) != 1)
    if found or len(feed_projects) != 1:
        return found
    (names,) = [p for p in projects if p.id == feed_projects[0]]
    tag = _TAG_LINK.search(entry.link or "")
    for pattern in names.tag_patterns:
        match = pattern.match(tag.group("tag")) if tag else None
        if match:
            return names.id, match.group("version")
    bare = _BARE_VERSION.search(entry.title)
    version = _version_of(bare, names) if bare else None
    return (names.id, version) if version else None


def change_items(body: str, version: str | None = None) -> list[str]:
    """Bulleted (or High:/Medium:/Low:) change lines of an announcement, continuations joined.

    An announcement of several releases ("drbd-9.2.15 and drbd-utils-9.33.0") gives only the
    items under the heading of `version`; a bullet that only heads deeper bullets ("- bugfixes
    and enhancements:") is no item.
    """
    items: list[tuple[int, str]] = []
    indent = -1
    for line in _release_block(body.splitlines(), version):
        if line.rstrip() in ("--", "-- ") or line.startswith(("-----", "_____")):
            break
        if line.lstrip().startswith(">"):
            indent = -1
            continue
        match = _BULLET.match(line) or _SEVERITY.match(line)
        if match:
            indent = len(match.group("indent").expandtabs())
            items.append((indent, match.group("text").strip()))
        elif indent >= 0 and line.strip() and _indent(line) > indent:
            items[-1] = (items[-1][0], f"{items[-1][1]} {line.strip()}")
        else:
            indent = -1
    kept = [
        text
        for i, (depth, text) in enumerate(items)
        if not (text.endswith(":") and i + 1 < len(items) and items[i + 1][0] > depth)
    ]
    return [item for item in kept if len(item) > 2 and not item.startswith("http")][:MAX_ITEMS]


def _release_block(lines: list[str], version: str | None) -> list[str]:
    """The lines under the underlined heading naming `version` ("drbd-utils 9.33.0" over
    "-----"), up to the next such heading; all lines when no heading names it."""
    headings = [
        i
        for i in range(len(lines) - 1)
        if _UNDERLINE.match(lines[i + 1]) and _HEADING_VERSION.search(lines[i])
    ]
    for n, i in enumerate(headings):
        named = {m.group("version") for m in _HEADING_VERSION.finditer(lines[i])}
        if version in named:
            stop = headings[n + 1] if n + 1 < len(headings) else len(lines)
            return lines[i + 2 : stop]
    return lines


def _indent(line: str) -> int:
    return len(line.expandtabs()) - len(line.expandtabs().lstrip())


# -- items -> commits ------------------------------------------------------------------------

MATCH_WINDOW_DAYS = 400


class ItemMatcher:
    """Ties announcement items to the commits they describe; one subject index per project."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._projects: dict[str, tuple[list[tuple[str, str, str]], SubjectIndex]] = {}
        self._names: dict[str, Components] = {}

    def match(self, project: str, items: list[str], when: str) -> list[MatchedItem]:
        """Each item with the commit it describes (exact, normalised or fuzzy subject match)."""
        if not items:
            return []
        commits, index = self._subjects(project)
        window = _window(when)
        recent = {
            sha
            for sha, _, stamp in commits
            if window is None or window[0] <= (stamp or "")[:10] <= window[1]
        }
        entries = [_item_entry(i, text) for i, text in enumerate(items, 1)]
        linked = [
            (e.raw, sha, method)
            for e, sha, method, _ in link_entries(entries, index, recent, self._components(project))
        ]
        return _one_item_per_similar_commit(linked)

    def _components(self, project: str) -> Components:
        """Component names -> taxonomy roots, for token-set matching (one per project)."""
        if project not in self._names:
            self._names[project] = taxonomy_components(project)
        return self._names[project]

    def _subjects(self, project: str) -> tuple[list[tuple[str, str, str]], SubjectIndex]:
        if project not in self._projects:
            commits = store.commit_subjects_dates(self._db, project)
            index = SubjectIndex((sha, subject) for sha, subject, _ in commits)
            self._projects[project] = (commits, index)
        return self._projects[project]


def _item_entry(position: int, item: str) -> ChangelogEntry:
    """An announcement item as a ChangeLog entry: its `component:` prefix peeled off, as the
    ChangeLog parser does, so similarity matching knows the component."""
    component, text = peel_component(item)
    return ChangelogEntry(position=position, text=text, raw=item, component=component)


def _one_item_per_similar_commit(linked: list[MatchedItem]) -> list[MatchedItem]:
    """A commit matched by similarity only is dropped when another item already has it."""
    taken = {sha for _, sha, method in linked if sha and method != "token-set"}
    result = []
    for text, sha, method in linked:
        if method == "token-set" and sha in taken:
            sha = method = None
        taken.add(sha)
        result.append((text, sha, method))
    return result


def relink_announcements(db: Database) -> int:
    """Match announcement items to commits again (after a git fetch); returns items changed."""
    matcher = ItemMatcher(db)
    changed = 0
    for row in store.announcements(db):
        items = [i["text"] for i in store.announcement_items(db, row["item_id"])]
        matched = matcher.match(row["project"], items, row["date"] or "")
        changed += store.relink_announcement_items(db, row["item_id"], matched)
    return changed


def _window(when: str) -> tuple[str, str] | None:
    try:
        day = datetime.fromisoformat(when).date()
    except ValueError:
        return None
    start = day - timedelta(days=MATCH_WINDOW_DAYS)
    return start.isoformat(), (day + timedelta(days=2)).isoformat()

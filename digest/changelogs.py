"""Release ChangeLog sections: read as of each release's commit and linked to their commits.

`read_sections` is the reading half; `digest fetch` runs it in a second process while the
commits stream in. `link_releases` completes what could not be known before the history was
read (releases found from commits, sections only present at the newest ChangeLog edit) and
links the entries; `digest fetch` runs it in a second process too, while it stores releases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from sqlite_utils import Database

from digest import store
from digest.config import GitSource
from digest.errors import DigestError
from digest.history import History
from digest.linking import commit_range, link_entries
from digest.models import ChangelogSection, Release
from digest.releases import predecessors, version_key
from digest.sources import changelog, git

PARENT_CHECK = 0.2  # seconds between looks at whether the process asking is still there
Found = tuple[str, ChangelogSection]
Sections = dict[str, tuple[str, Found | None]]


def read_sections(
    git_dir: Path, source: GitSource, wanted: list[tuple[str, str]]
) -> tuple[Sections, list[str]]:
    """For each (version, commit): the commit and the first configured file's section, if any.

    Returns them with warnings for ChangeLogs that cannot be parsed (naming source, release,
    file and line); such a file counts as having no section.
    """
    found: Sections = {version: (commit, None) for version, commit in wanted}
    warnings: list[str] = []
    missing = list(wanted)
    for path in source.changelogs:  # the next file only where the previous had no section
        blobs = git.read_blobs(git_dir, [f"{commit}:{path}" for _, commit in missing])
        still = []
        for version, commit in missing:
            data = blobs.get(f"{commit}:{path}")
            section = _section(data, path, version, source, warnings) if data else None
            if section is None:
                still.append((version, commit))
            else:
                found[version] = (commit, (path, section))
        missing = still
    return found, warnings


def read_ahead(
    git_dir: Path, source: GitSource, tagged: list[tuple[str, str]], requests: Connection
) -> tuple[Sections, Sections, list[str]]:
    """read_sections for the tagged releases, then for each (version, commit) requested.

    The requests, ended by None, name the newest ChangeLog edit of each release's range as the
    commits stream in; only releases without a section at their tag are read there.
    Returns the sections at the tags, those at the edits, and the warnings.
    """
    parent = os.getppid()
    at_tags, warnings = read_sections(git_dir, source, tagged)
    lacking = {version for version, (_, found) in at_tags.items() if found is None}
    at_edits: Sections = {}
    done = False
    while not done:
        newest: dict[str, str] = {}
        for request in _waiting(requests, parent):
            if request is None:
                done = True
            elif request[0] in lacking:
                newest[request[0]] = request[1]
        more, _ = read_sections(git_dir, source, list(newest.items()))
        at_edits.update(more)
    return at_tags, at_edits, warnings


def _waiting(requests: Connection, parent: int) -> Iterator[tuple[str, str] | None]:
    """The next request (waiting for it, but not for a parent that died), then all others sent."""
    while not requests.poll(PARENT_CHECK):
        if os.getppid() != parent:  # killed: stop, and let go of what the fork inherited
            raise DigestError("the fetch that asked for ChangeLogs is gone")
    yield requests.recv()
    while requests.poll():
        yield requests.recv()


def wanted_sections(db: Database, source: GitSource, releases: list[Release]) -> list[Release]:
    """The releases whose ChangeLog sections are not stored yet."""
    if not source.changelogs:
        return []
    done = store.releases_with_changelog(db, source.project)
    return [r for r in releases if r.version not in done]


def link_releases(
    git_dir: Path,
    source: GitSource,
    releases: list[Release],
    todo: list[Release],
    history: History,
    read: Sections,
    at_edits: Sections | None = None,
) -> tuple[list[store.ReleaseEntries], list[str]]:
    """The linked ChangeLog entries of each release in todo, and warnings (no database use).

    `read` holds sections already read (by version, with the commit they were read at); the
    others are read now. A release without a section at its commit is retried at the newest
    non-merge commit of its range that edited a ChangeLog: a release tagged on a merge may
    carry a tree without that edit (history rewritten by tools, or shadow repositories).
    A release without any section is returned with no path and no entries.
    """
    if not todo:
        return [], []
    unread = [(r.version, r.commit) for r in todo if read.get(r.version, ("",))[0] != r.commit]
    more, warnings = read_sections(git_dir, source, unread)
    read = {**read, **more}
    if history.reach is not None:
        ranges = history.reach.ranges
    else:
        ranges = dict(_ranges(history.parents, releases, {r.version for r in todo}))
    sections = {r.version: read[r.version][1] for r in todo}
    edits = history.edits
    sections.update(_at_last_edits(git_dir, source, todo, sections, ranges, edits, at_edits or {}))
    linked: list[store.ReleaseEntries] = []
    for release in todo:
        found = sections[release.version]
        if found is None:
            linked.append((release.version, "", []))
            continue
        path, section = found
        entries = list(link_entries(section.entries, history.index, ranges[release.version]))
        linked.append((release.version, path, entries))
    return linked, warnings


def _at_last_edits(
    git_dir: Path,
    source: GitSource,
    releases: list[Release],
    sections: dict[str, Found | None],
    ranges: dict[str, set[str]],
    edits: dict[str, str],
    read_ahead: Sections,
) -> dict[str, Found]:
    """Sections at the newest ChangeLog edit of each release that lacks one (read if not yet)."""
    retry = []
    for release in releases:
        if sections[release.version] is not None:
            continue
        dated = [(edits[sha], sha) for sha in ranges[release.version] if sha in edits]
        if dated and max(dated)[1] != release.commit:
            retry.append((release.version, max(dated)[1]))
    found = {v: read_ahead[v] for v, sha in retry if read_ahead.get(v, ("",))[0] == sha}
    more, _ = read_sections(git_dir, source, [(v, sha) for v, sha in retry if v not in found])
    found.update(more)
    return {version: section for version, (_, section) in found.items() if section}


def _section(
    data: bytes, path: str, version: str, source: GitSource, warnings: list[str]
) -> ChangelogSection | None:
    """The version's section of one ChangeLog file; a parse error is a warning and no section."""
    try:
        return changelog.section_for(git.decode(data), version, path)
    except DigestError as exc:
        warnings.append(f"source '{source.id}': release {version}: {exc}")
        return None


def _ranges(
    graph: dict[str, tuple[str, ...]], releases: list[Release], wanted: set[str]
) -> Iterator[tuple[str, set[str]]]:
    """(version, commits in its range) for the wanted releases, reusing ancestries in order."""
    prev = predecessors(releases)
    by_version = {r.version: r for r in releases}
    needed: dict[str, int] = {}
    for version in prev.values():
        if version:
            needed[version] = needed.get(version, 0) + 1
    ancestry: dict[str, set[str]] = {}
    for release in sorted(releases, key=lambda r: version_key(r.version)):
        before = prev[release.version]
        stop = ancestry.get(before, set()) if before else set()
        in_range, hit = commit_range(graph, release.commit, stop)
        if release.version in wanted:
            yield release.version, in_range
        if needed.get(release.version):
            is_descendant = before is not None and by_version[before].commit in hit
            if is_descendant or not before:
                ancestry[release.version] = stop | in_range
            else:
                ancestry[release.version] = commit_range(graph, release.commit, set())[0]
        if before and before in needed:
            needed[before] -= 1
            if not needed[before]:
                ancestry.pop(before, None)

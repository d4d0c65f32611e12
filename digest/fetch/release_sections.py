"""Release ChangeLog sections: read as of each release's commit and linked to their commits.

`read_ahead` is the reading half; `digest fetch` runs it in a second process while the
commits stream in. `link_releases` completes what could not be known before the history was
read (releases found from commits, sections only present at the newest ChangeLog edit) and
links the entries; `digest fetch` splits it between two processes while it stores releases.
Neither touches the database: fetch/workers.py runs them, fetch/git.py stores the results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from digest import store
from digest.config import GitSource
from digest.errors import DigestError
from digest.fetch.containment import Containment
from digest.fetch.history import History
from digest.fetch.matching import link_entries
from digest.fetch.similarity import taxonomy_components
from digest.models import ChangelogSection, Release
from digest.sources import changelog, git

Found = tuple[str, ChangelogSection]  # (ChangeLog path, the release's section)
Sections = dict[str, tuple[str, Found | None]]  # version -> (commit read at, section found)


@dataclass(frozen=True)
class ReadSections:
    """What reading ahead found: sections at the tags, at the newest edits, and warnings."""

    at_tags: Sections
    at_edits: Sections
    warnings: list[str]


@dataclass(frozen=True)
class LinkJob:
    """What linking the ChangeLog entries of a project's releases needs (no database)."""

    git_dir: Path
    source: GitSource
    history: History
    containment: Containment
    read: ReadSections


@dataclass(frozen=True)
class LinkedReleases:
    """The linked entries of some releases (version, ChangeLog path, entries) and warnings."""

    releases: list[store.ReleaseEntries]
    warnings: list[str]


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
    git_dir: Path,
    source: GitSource,
    tagged: list[tuple[str, str]],
    requests: Iterable[list[tuple[str, str]]],
) -> ReadSections:
    """read_sections for the tagged releases, then for each batch of (version, commit) requested.

    The requests name the newest ChangeLog edit of each release's range as the commits stream
    in; only releases without a section at their tag are read there.
    """
    at_tags, warnings = read_sections(git_dir, source, tagged)
    lacking = {version for version, (_, found) in at_tags.items() if found is None}
    at_edits: Sections = {}
    for batch in requests:
        newest = dict((version, sha) for version, sha in batch if version in lacking)
        more, _ = read_sections(git_dir, source, list(newest.items()))
        at_edits.update(more)
    return ReadSections(at_tags, at_edits, warnings)


def wanted_sections(db: Database, source: GitSource, releases: list[Release]) -> list[Release]:
    """The releases whose ChangeLog sections are not stored yet."""
    if not source.changelogs:
        return []
    done = store.releases_with_changelog(db, source.project)
    return [r for r in releases if r.version not in done]


def link_releases(job: LinkJob, todo: list[Release]) -> LinkedReleases:
    """The linked ChangeLog entries of each release in todo, and warnings (no database use).

    Sections already read (by version, with the commit they were read at) are reused; the
    others are read now. A release without a section at its commit is retried at the newest
    non-merge commit of its range that edited a ChangeLog: a release tagged on a merge may
    carry a tree without that edit (history rewritten by tools, or shadow repositories).
    A release without any section is returned with no path and no entries.
    """
    if not todo:
        return LinkedReleases([], [])
    read = job.read.at_tags
    unread = [(r.version, r.commit) for r in todo if read.get(r.version, ("",))[0] != r.commit]
    more, warnings = read_sections(job.git_dir, job.source, unread)
    read = {**read, **more}
    ranges = job.containment.ranges(r.version for r in todo)
    sections = {r.version: read[r.version][1] for r in todo}
    sections.update(_at_last_edits(job, todo, sections, ranges))
    linked: list[store.ReleaseEntries] = []
    components = taxonomy_components(job.source.project)
    parents = job.history.parents
    for release in todo:
        found = sections[release.version]
        if found is None:
            linked.append((release.version, "", []))
            continue
        path, section = found
        within = ranges[release.version]
        entries = list(
            link_entries(section.entries, job.history.index, within, components, parents)
        )
        linked.append((release.version, path, entries))
    return LinkedReleases(linked, warnings)


def _at_last_edits(
    job: LinkJob,
    releases: list[Release],
    sections: dict[str, Found | None],
    ranges: dict[str, set[str]],
) -> dict[str, Found]:
    """Sections at the newest ChangeLog edit of each release that lacks one (read if not yet)."""
    edits, read_ahead = job.history.edits, job.read.at_edits
    retry = []
    for release in releases:
        if sections[release.version] is not None:
            continue
        dated = [(edits[sha], sha) for sha in ranges[release.version] if sha in edits]
        if dated and max(dated)[1] != release.commit:
            retry.append((release.version, max(dated)[1]))
    found = {v: read_ahead[v] for v, sha in retry if read_ahead.get(v, ("",))[0] == sha}
    unread = [(v, sha) for v, sha in retry if v not in found]
    more, _ = read_sections(job.git_dir, job.source, unread)
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

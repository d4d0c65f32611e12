"""The git part of `digest fetch`: mirror -> commits, releases and linked ChangeLog entries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from git import Repo
from sqlite_utils import Database

from digest import store
from digest.config import Config, GitSource
from digest.fetch.classifying import Classes, Classified, Recorded, classified
from digest.fetch.containment import Containment, GraphContainment, StreamingContainment
from digest.fetch.history import History, load_history
from digest.fetch.release_sections import (
    LinkedReleases,
    LinkJob,
    ReadSections,
    link_releases,
    read_ahead,
    wanted_sections,
)
from digest.fetch.releases import (
    merge_releases,
    predecessors,
    releases_from_commits,
    releases_from_refs,
)
from digest.fetch.rewrites import forget_rewritten
from digest.fetch.workers import Answering, Serving, in_two
from digest.models import Release
from digest.runtime import Reporter
from digest.sources import git


@dataclass
class GitFetch:
    """What fetching one git source stored."""

    commits: int = 0
    releases: int = 0
    entries: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class StoredHistory:
    """The outcome of storing a source's new commits."""

    history: History
    read: ReadSections
    streaming: StreamingContainment | None
    new: bool  # were there commits to read


def fetch_git(
    config: Config,
    db: Database,
    source: GitSource,
    report: Reporter,
    classifier: Answering[list[Classes]] | None = None,
) -> GitFetch:
    """Mirror one repository, store its new commits, releases and ChangeLog entries.

    The processes share the work: while this one stores the commits, a child reads the
    ChangeLog of each tagged release (and the classifier, if given, classifies them); then this
    one stores the releases and links the entries of half of them while a child links the rest.
    """
    done = GitFetch()
    report(f"{source.id}: syncing mirror")
    repo, done.warnings = git.sync_mirror(source, config.settings.cache_dir)
    refs = git.read_refs(repo, source)
    done.warnings.extend(forget_rewritten(db, config, repo, source, refs))
    before = store.stored_counts(db, source.project)
    commit_url = config.project(source.project).commit_url
    classify = partial(classified, classifier, source.project, commit_url)
    stored = _store_commits(db, repo, source, refs, done, report, classify)
    releases = _releases(source, refs, stored.history)
    containment = stored.streaming or GraphContainment(stored.history.parents, releases)
    job = LinkJob(Path(repo.git_dir), source, stored.history, containment, stored.read)
    todo = wanted_sections(db, source, releases)
    with in_two(lambda half: link_releases(job, half), todo) as linked, store.checkpointing(db):
        done.releases = _save_releases(db, source, releases, containment, stored)
        for part in linked:  # ours is stored while the child still links its half
            _save_linked(db, source, part, done)
    store.set_state(db, source.id, cursor={"tips": {ref.name: ref.commit for ref in refs}})
    # Count what this run stored, not what it read: after an interrupted run the history
    # read again is partly stored already.
    after = store.stored_counts(db, source.project)
    done.commits, done.releases, done.entries = (a - b for a, b in zip(after, before, strict=True))
    return done


def _save_linked(db: Database, source: GitSource, linked: LinkedReleases, done: GitFetch) -> None:
    """Store the linked ChangeLog entries of some releases and count them."""
    done.warnings.extend(linked.warnings)
    store.save_changelogs(db, source.project, linked.releases)
    done.entries += sum(len(entries) for _, _, entries in linked.releases)


def _store_commits(
    db: Database,
    repo: Repo,
    source: GitSource,
    refs: list[git.Ref],
    done: GitFetch,
    report: Reporter,
    classify: Callable[[Iterator[Recorded]], Iterator[Classified]],
) -> StoredHistory:
    """Store the commits not read before while a child reads the tagged releases' ChangeLogs."""
    old_tips = store.get_state(db, source.id).get("cursor", {}).get("tips", {})
    exclude = git.existing_commits(repo, set(old_tips.values()))
    include = sorted({ref.commit for ref in refs} - set(exclude))
    tag_releases = _releases(source, refs)
    tagged = [(r.version, r.commit) for r in wanted_sections(db, source, tag_releases)]
    streaming = _streaming(source, tag_releases, fresh=not store.has_commits(db, source.project))
    history = History(frozenset(source.changelogs), streaming=streaming)
    # Reading ahead must not slow down git log, the longest task of all: it runs niced. It
    # reads the ChangeLogs at the tags, then at the newest edits of releases found meanwhile.
    git_dir = Path(repo.git_dir)
    with Serving(read_ahead, git_dir, source, tagged, inline=not tagged) as reader:
        if tagged and streaming is not None:
            history.on_newest_edit = lambda version, sha: reader.send((version, sha))
        # Streaming containment needs every commit after its children.
        commits = git.read_commits(
            repo, source, include, exclude, topo=streaming is not None, problems=done.warnings
        )
        recorded = _counting(history.recording(commits), report, source.id)
        done.commits = store.save_commits(db, source.project, classify(recorded))
        read = reader.result()
    done.warnings.extend(read.warnings)
    if old_tips and (include or tagged):
        history = load_history(db, source.project, source.changelogs)
    return StoredHistory(history, read, streaming, bool(include))


def _streaming(
    source: GitSource, tagged: list[Release], fresh: bool
) -> StreamingContainment | None:
    """Containment worked out while streaming: only for a project with no stored commits.

    Other fetches read only some commits (or rows they meet keep their release), and release
    commits are only known once read: those use the stored graph afterwards.
    """
    if not fresh or source.release_commits is not None or not tagged:
        return None
    return StreamingContainment(tagged)


def _save_releases(
    db: Database,
    source: GitSource,
    releases: list[Release],
    containment: Containment,
    stored: StoredHistory,
) -> int:
    """Store new or moved releases and each commit's first release; returns how many changed."""
    known = {(r["version"], r["commit_sha"]) for r in store.releases_of(db, source.project)}
    changed = {(r.version, r.commit) for r in releases} - known
    if stored.new or changed:
        prev = predecessors(releases)
        store.save_releases(db, [(r, prev[r.version]) for r in releases])
        if stored.streaming is None:  # else each commit was stored with its first release
            store.set_commit_releases(db, source.project, containment.first_releases())
    return len(changed)


def _releases(
    source: GitSource, refs: list[git.Ref], history: History | None = None
) -> list[Release]:
    """Releases from tags and, once the history is known, from release commits."""
    tagged = releases_from_refs(source, refs)
    marked = []
    if source.release_commits is not None and history is not None:
        commits = ((sha, s, history.dates[sha]) for sha, s in history.subjects.items())
        marked = releases_from_commits(source, commits)
    return merge_releases(tagged, marked)


def _counting(commits: Iterator[Recorded], report: Reporter, source_id: str) -> Iterator[Recorded]:
    for i, pair in enumerate(commits, 1):
        if i % 1000 == 0:
            report(f"{source_id}: {i} commits")
        yield pair

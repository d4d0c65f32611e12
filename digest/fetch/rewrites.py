"""History rewritten upstream (a force-push, a deleted tag): the store follows upstream.

Commits that no longer exist upstream are removed (their ChangeLog and announcement links
become unlinked), releases whose tag is gone (or whose release commit is gone) are removed with
their ChangeLog entries (a release that was also announced stays, as announced only), and every
commit's first release is worked out again from the stored graph.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable

from git import Repo
from sqlite_utils import Database

from digest import store
from digest.config import Config, GitSource
from digest.errors import FetchError
from digest.fetch.containment import GraphContainment
from digest.fetch.history import load_history
from digest.fetch.releases import predecessors
from digest.models import Release
from digest.sources import git


def forget_rewritten(
    db: Database, config: Config, repo: Repo, source: GitSource, refs: list[git.Ref]
) -> list[str]:
    """Remove from the store what upstream no longer has; returns one line saying what."""
    old_tips = store.get_state(db, source.id).get("cursor", {}).get("tips", {})
    if not old_tips or len(config.project(source.project).sources) > 1:
        return []  # several git sources: a commit gone from one may live in another
    dropped = _dropped_commits(db, repo, source, set(old_tips.values()), refs)
    gone = _gone_releases(db, source, refs, dropped)
    if not dropped and not gone:
        return []
    removed = store.drop_commits(db, source.project, dropped)
    store.drop_releases(db, source.project, gone)
    _assign_releases(db, source)
    releases = f"; releases {', '.join(sorted(gone))} removed" if gone else ""
    return [
        f"source '{source.id}': upstream history was rewritten: {removed} commits no longer "
        f"upstream removed{releases}"
    ]


def _dropped_commits(
    db: Database, repo: Repo, source: GitSource, old: set[str], refs: list[git.Ref]
) -> list[str]:
    """Commits reachable from the previous tips and from no ref now."""
    new = {ref.commit for ref in refs}
    if old <= new:
        return []
    present = git.existing_commits(repo, old - new)
    if len(present) == len(old - new):
        return _rev_list(repo, source, present, new)
    reachable = set(_rev_list(repo, source, sorted(new), ()))  # objects gone: compare all
    stored = (row[0] for row in store.commit_graph(db, source.project))
    return [sha for sha in stored if sha not in reachable]


def _gone_releases(
    db: Database, source: GitSource, refs: list[git.Ref], dropped: list[str]
) -> list[str]:
    tags = {ref.short for ref in refs if ref.is_tag}
    lost = set(dropped)
    gone = []
    for row in store.releases_of(db, source.project):
        if (row["tag"] is not None and source.tags and row["tag"] not in tags) or (
            row["tag"] is None and row["commit_sha"] in lost
        ):
            gone.append(row["version"])
    return gone


def _assign_releases(db: Database, source: GitSource) -> None:
    """Each commit's first release and each release's predecessor, from what is stored."""
    history = load_history(db, source.project, source.changelogs)
    releases = [
        Release(
            source.project, r["version"], r["commit_sha"], r["date"], r["tag"], bool(r["is_rc"])
        )
        for r in store.releases_of(db, source.project)
    ]
    containment = GraphContainment(history.parents, releases)
    store.set_commit_releases(db, source.project, containment.first_releases())
    previous = predecessors(releases)
    store.save_releases(db, [(r, previous[r.version]) for r in releases])


def _rev_list(
    repo: Repo, source: GitSource, include: Iterable[str], exclude: Iterable[str]
) -> list[str]:
    revs = [*include, *(f"^{sha}" for sha in exclude)]
    proc = subprocess.run(
        ["git", "-C", str(repo.git_dir), "rev-list", "--stdin"],
        input="\n".join(revs) + "\n",
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise FetchError(f"source '{source.id}': git rev-list failed: {proc.stderr.strip()}")
    return proc.stdout.split()

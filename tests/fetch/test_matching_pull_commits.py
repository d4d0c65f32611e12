"""Pull requests read as the sum of their commits (issue 12, round 5): a ChangeLog line whose
words are spread over one request's title, branch and commits links to its merge. Real
repositories with real merges; subjects are Pacemaker's own (abridged)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlite_utils import Database

from digest import fetch, store
from digest.config import load_config
from digest.fetch.history import load_history
from digest.fetch.pull_commits import Pull, PullMatcher, _generations, _pull_commits, pull_requests
from digest.fetch.similarity import candidate, taxonomy_components, words
from tests.helpers import Upstream, write_config

COMPONENTS = taxonomy_components("demo")
CHANGELOG = """\
* Wed Nov 23 2011 A <a@x> 1.0.1-1
- improve crm_report detection of logs, CIB directory, and processes
- crm_mon shows fencing history and failures
- documentation has dependency on python3-sphinx instead of publican
"""


def merge(upstream: Upstream, branch: str, number: int, title: str) -> str:
    """Merge a branch into main as GitHub does (no fast-forward, the PR title in the body)."""
    upstream.clock += 3600
    stamp = f"{upstream.clock} +0100"
    env = {
        "GIT_AUTHOR_NAME": "Ken Gaillot",
        "GIT_AUTHOR_EMAIL": "kg@example.org",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": "Ken Gaillot",
        "GIT_COMMITTER_EMAIL": "kg@example.org",
        "GIT_COMMITTER_DATE": stamp,
    }
    message = f"Merge pull request #{number} from kg/{branch}\n\n{title}"
    upstream.git("checkout", "-q", "main")
    upstream.git("merge", "-q", "--no-ff", "-m", message, branch, env=env)
    return upstream.git("rev-parse", "HEAD")


def pull(upstream: Upstream, branch: str, number: int, title: str, *commits: str) -> str:
    """A pull request: a branch from main with the commits (subject, blank line, body)."""
    upstream.git("checkout", "-q", "-b", branch, "main")
    for message in commits:
        upstream.commit(message, {f"{branch}/{upstream.clock}.c": message})
    return merge(upstream, branch, number, title)


@dataclass
class Scene:
    """The fetched store of the upstream, its merges by name and the ChangeLog's links."""

    db: Database
    shas: dict[str, str]
    linked: dict[str, tuple[str | None, str | None]]  # first three words -> (sha, method)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    """An upstream with four pull requests and a release, fetched."""
    base = tmp_path_factory.mktemp("pulls")
    upstream = Upstream(base / "upstream")
    upstream.commit("Build: base commit", {"README": "demo\n"})
    shas = {
        "covscan": pull(
            upstream,
            "covscan",
            1537,
            "Code clean-up after static analysis",
            "Fix: tools: detect CIB directory correctly",
            "Fix: tools: detect running processes correctly in crm_report",
            "Low: tools: search crm_report logs written through syslog",
        ),
        "history": pull(
            upstream,
            "fence-history",
            1552,
            "Fence history",
            "Feature: fencer: keep a history of fencing actions",
            "Low: fencer: record failures of fencing actions",
        ),
        "output": pull(
            upstream,
            "crm-mon-output",
            1568,
            "crm_mon output fixes",
            "Fix: crm_mon: show history of failed resource actions",
            "Low: crm_mon: print fencing failures in red",
        ),
    }
    upstream.commit("Low: controller: shut down DC if unable to update node attributes")
    upstream.git("checkout", "-q", "-b", "release", "main")
    upstream.commit("Build: configure: require python3 for the documentation")
    upstream.commit("Build: doc: generate the books with sphinx")
    upstream.commit("Build: spec: drop the publican dependency")
    upstream.commit("Doc: ChangeLog: update for 1.0.1", {"ChangeLog": CHANGELOG})
    shas["release"] = merge(upstream, "release", 1800, "Release 1.0.1")
    upstream.tag("Pacemaker-1.0.1")
    config = write_config(
        base,
        str(upstream.path),
        release_tags=r"^Pacemaker-(?P<version>\d+\.\d+\.\d+)$",
        changelogs=["ChangeLog"],
    )
    db = store.open_db(load_config(config).settings.database)
    fetch.fetch(load_config(config), db)
    entries = store.changelog_entries(db, "demo", "1.0.1")
    found = {" ".join(e["text"].split()[:3]): (e["commit_sha"], e["match_method"]) for e in entries}
    return Scene(db, shas, found)


def matcher(scene: Scene, entry: str, drop: str = "", edits: bool = True) -> PullMatcher:
    """The pull requests of the release range, one of them left out if asked."""
    history = load_history(scene.db, "demo", ["ChangeLog"])
    within = set(history.parents)  # the first release: every commit is in its range
    if drop:  # the pull request and its commits were never made
        left_out = scene.shas[drop]
        gone = _pull_commits(
            left_out, within, history.parents, _generations(within, history.parents)
        )
        within -= {left_out, *(gone or ())}
    merges = {sha: (history.subjects[sha], title) for sha, title in history.index.pulls.items()}
    merges = {sha: found for sha, found in merges.items() if sha in within}
    index = history.index

    def said(sha: str) -> frozenset[str] | None:
        found = candidate(sha, history.subjects[sha], COMPONENTS)
        return index.body_words(found) if found and len(history.parents[sha]) < 2 else None

    vocabulary = words(entry)
    changelog = history.edits if edits else frozenset()
    return PullMatcher(pull_requests(merges, within, history.parents, said, vocabulary, changelog))


SUMMARY = "improve crm_report detection of logs, CIB directory, and processes"
SPREAD = "crm_mon shows fencing history and failures"
BUILD = "documentation has dependency on python3-sphinx instead of publican"


def test_a_line_summing_up_the_commits_of_one_pull_request_links_to_its_merge(scene) -> None:
    """Each commit says a part ("detect CIB directory", "running processes", "logs"); the
    request's title says none of it, so no earlier method links the line."""
    assert scene.linked["improve crm_report detection"] == (
        scene.shas["covscan"],
        "pull-request-commits",
    )


def test_a_line_two_pull_requests_fit_about_as_well_stays_unlinked(scene) -> None:
    assert scene.linked["crm_mon shows fencing"] == (None, None)
    assert matcher(scene, SPREAD).best(SPREAD, COMPONENTS) is None
    alone = matcher(scene, SPREAD, drop="output").best(SPREAD, COMPONENTS)
    assert alone is not None and alone[0] == scene.shas["history"]  # the rival decided


def test_a_pull_request_editing_the_changelog_merges_a_release_not_a_change(scene) -> None:
    assert scene.linked["documentation has dependency"] == (None, None)
    assert matcher(scene, BUILD).best(BUILD, COMPONENTS) is None
    found = matcher(scene, BUILD, edits=False).best(BUILD, COMPONENTS)
    assert found is not None and found[0] == scene.shas["release"]


def test_the_commits_of_a_pull_request_are_those_only_its_second_parent_reaches(scene) -> None:
    """The walk of both parents by generation agrees with the plain set difference."""
    history = load_history(scene.db, "demo", ["ChangeLog"])
    within, parents = set(history.parents), history.parents
    generation = _generations(within, parents)
    for merge in history.index.pulls:
        first, second = parents[merge]
        expected = _reach(second, parents) - _reach(first, parents)
        assert _pull_commits(merge, within, parents, generation) == expected
    covscan = _pull_commits(scene.shas["covscan"], within, parents, generation)
    assert {history.subjects[sha][:20] for sha in covscan or ()} == {
        "Fix: tools: detect C",
        "Fix: tools: detect r",
        "Low: tools: search c",
    }


def _reach(start: str, parents: dict[str, tuple[str, ...]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        sha = todo.pop()
        if sha not in seen:
            seen.add(sha)
            todo.extend(parents.get(sha, ()))
    return seen


def document(merge: str | None, *commits: tuple[str, str]) -> Pull:
    """A pull request (merge None: a commit of none) of commits given as (sha, text)."""
    readable = tuple((sha, words(text)) for sha, text in commits)
    said = frozenset().union(*(w for _, w in readable))
    return Pull(merge, frozenset(sha for sha, _ in commits), said, readable)


def test_a_name_only_a_rival_says_points_there() -> None:
    """Pacemaker 2.0.2: the security patchset says "resource agent", "node" and "tracking";
    only the HealthIOWait commit names the agent."""
    line = "new HealthIOWait resource agent for node health tracking"
    security = document(
        "m1",
        ("s1", "fix use-after-free wrt. new resource agent node tracking table"),
        ("s2", "pacemakerd vs. IPC/procfs confused deputy authenticity issue"),
    )
    health = document("m2", ("h1", "Add HealthIOWait provider which checks the IOWait"))
    others = [document(None, (f"o{i}", f"unrelated change number {i}")) for i in range(6)]
    assert PullMatcher([security, *others]).best(line, COMPONENTS)[::2] == ("m1", True)
    assert PullMatcher([security, health, *others]).best(line, COMPONENTS) is None


def test_the_one_commit_saying_the_line_is_linked_instead_of_the_merge() -> None:
    line = "deprecate pe_print_details enum value"
    pull = document(
        "m1",
        ("c1", "API: libpe_status: deprecate pe_print_dev and pe_print_details enum value"),
        ("c2", "Low: libpe_status: ignore deprecated print options"),
    )
    others = [document(None, (f"o{i}", f"unrelated change number {i}")) for i in range(6)]
    assert PullMatcher([pull, *others]).best(line, COMPONENTS) == ("c1", 1.0, False)
    vague = document("m2", ("c3", "deprecate some value"), ("c4", "pe_print_details enum"))
    assert PullMatcher([vague, *others]).best(line, COMPONENTS) == ("m2", 1.0, True)  # 2 halves


def test_a_vague_line_or_a_commit_of_no_pull_request_fitting_better_links_nothing() -> None:
    others = [document(None, (f"o{i}", f"unrelated change number {i}")) for i in range(6)]
    pull = document("m1", ("c1", "crm_report finds logs"), ("c2", "detect processes"))
    alone = document(None, ("c3", "crm_report finds logs and detects processes in the CIB"))
    line = "crm_report finds logs, detects processes"
    assert PullMatcher([pull, *others]).best(line, COMPONENTS) is not None
    assert PullMatcher([pull, alone, *others]).best(line, COMPONENTS) is None
    assert PullMatcher([pull, *others]).best("finds logs", COMPONENTS) is None  # two words


def test_a_line_of_one_agent_never_links_to_a_request_about_other_agents() -> None:
    """resource-agents 4.1.0rc1: "portblock: suppress dd output" is not in the IPaddr2 request
    whose commits say "suppress ... output" (its own request came after the tag); a request
    that names no agent still links."""
    agents = taxonomy_components("resource-agents")
    line = "portblock: suppress dd output"
    ipaddr2 = document(
        "m1",
        ("c1", "Low: IPaddr2: suppress an error log when libnet_arping"),
        ("c2", "Low: send_arp.linux: print proper usage and dd output"),
    )
    named = Pull(
        ipaddr2.merge, ipaddr2.commits, ipaddr2.words, ipaddr2.readable, agents.members("IPaddr2")
    )
    others = [document(None, (f"o{i}", f"unrelated change number {i}")) for i in range(6)]
    assert PullMatcher([ipaddr2, *others]).best(line, agents) is not None  # names no agent
    assert PullMatcher([named, *others]).best(line, agents) is None
    own = Pull("m2", named.commits, named.words, named.readable, agents.members("portblock"))
    assert PullMatcher([own, *others]).best(line, agents) is not None

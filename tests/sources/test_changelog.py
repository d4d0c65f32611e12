"""ChangeLog parsers: hand-written fixtures for each format and quirk, then the real histories."""

from __future__ import annotations

import json
import lzma
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from digest.errors import ParseError
from digest.models import ChangelogSection
from digest.sources.changelog import find_section, normalise_version, parse_changelog
from tests.conftest import UPSTREAM, require_shared
from tests.helpers import FIXTURES_DIR

FIXTURES = FIXTURES_DIR / "changelog"


def parse_fixture(name: str) -> list[ChangelogSection]:
    """Parse one fixture file under its own name."""
    return parse_changelog((FIXTURES / name).read_text(encoding="utf-8"), name)


def texts(section: ChangelogSection) -> list[str]:
    """The entry texts of a section, in order."""
    return [e.text for e in section.entries]


# --- versions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.0.12-1", "1.0.12"),
        ("Pacemaker-1.1.14-rc3-1", "1.1.14-rc3"),
        ("Pacemaker-3.0.2", "3.0.2"),
        ("Pacemaker-1.0.13-1", "1.0.13"),
        ("5.1.0 rc2", "5.1.0-rc2"),
        ("glue-1.0.9", "1.0.9"),
        ("1.0.2-rc2a", "1.0.2-rc2a"),
        ("1.0.5-0.7.c9120a53a6ae.hg", "1.0.5"),
        ("1.0.5-2.1", "1.0.5"),
        ("Pacemaker-1.1.2.1", "1.1.2.1"),
        ("5.0.0-pre", "5.0.0-pre"),
        ("4.4.0-RC1", "4.4.0-rc1"),
        ("2.1", "2.1"),
    ],
)
def test_normalise_version(raw: str, expected: str) -> None:
    assert normalise_version(raw) == expected


def test_versions_match_exactly_never_by_prefix() -> None:
    sections = parse_fixture("rpm.ChangeLog")
    assert find_section(sections, "1.0.1").raw_version == "1.0.1-1"
    assert find_section(sections, "Pacemaker-1.0.12").raw_version == "1.0.12-1"
    without_101 = [s for s in sections if s.version != "1.0.1"]
    assert find_section(without_101, "1.0.1") is None
    assert find_section(without_101, "1.0") is None
    assert find_section(sections, "1.0.14-rc1") is None
    assert find_section(sections, "1.0.1-rc1") is None  # 1.0.1 is not the top section


def test_trailing_zero_components_are_the_same_release() -> None:
    sections = parse_fixture("crmsh.ChangeLog")
    assert find_section(sections, "2.1.0").raw_version == "2.1"
    assert find_section(sections, "2.1.1") is None


def test_upstream_release_preferred_over_package_rebuilds_and_snapshots() -> None:
    sections = parse_fixture("rpm.ChangeLog")
    assert [s.raw_version for s in sections if s.version == "1.0.5"] == [
        "1.0.5-0.6.c9120a53a6ae.hg",
        "1.0.5-4",
        "1.0.5",
    ]
    assert find_section(sections, "Pacemaker-1.0.5").raw_version == "1.0.5"
    only_rebuilds = [s for s in sections if s.raw_version != "1.0.5"]
    assert find_section(only_rebuilds, "1.0.5").raw_version == "1.0.5-4"


# --- Pacemaker RPM-style ChangeLog ---------------------------------------------------------


def test_rpm_headers_wrong_weekday_and_odd_spacing() -> None:
    sections = parse_fixture("rpm.ChangeLog")
    assert [(s.version, s.date, s.line) for s in sections[:3]] == [
        ("1.0.13", "2013-02-13", 1),
        ("1.0.12", "2011-11-23", 16),  # written "Mon Nov 23 2011": it was a Wednesday
        ("1.0.1", "2011-04-29", 28),  # "*   Fri  Apr  29 2011   Name <mail>   1.0.1-1"
    ]


def test_rpm_severity_lines_and_statistics_block() -> None:
    section = parse_fixture("rpm.ChangeLog")[1]
    assert [(e.position, e.severity, e.component) for e in section.entries] == [
        (1, "High", "cib"),
        (2, "High", "PE"),
        (3, "Medium", "Shell"),
        (4, "Medium", None),  # "Med:" is normalised
        (5, "Medium", "Tools"),
    ]
    first = section.entries[0]
    assert first.raw == (
        "High: cib: Call gnutls_bye() and shutdown() when disconnecting from remote TLS connections"
    )
    assert first.text.startswith("Call gnutls_bye()")
    assert all(e.category is None for e in section.entries)
    assert not any("Changesets" in t or "Diff" in t or "tarball" in t for t in texts(section))


def test_rpm_changes_since_block_with_continuations() -> None:
    section = parse_fixture("rpm.ChangeLog")[0]
    assert {e.category for e in section.entries} == {"changes"}
    assert texts(section) == [
        "Fix compilation - crm_report is a script",
        "Don't halt disk writes if the previous digest is missing",
        "crm: handle empty rsc/op_defaults properly (bnc#507255)",
        "external/ipmi: add the priv parameter",
        "Prevent segfault when ensuring unmanaged resources don't prevent shutdown",
        "Resolve a number of coverity leak defects",
    ]
    ipmi = section.entries[3]
    assert (ipmi.component, ipmi.raw) == (
        "stonith",
        "stonith: external/ipmi: add the priv parameter",
    )
    ticket = section.entries[2]
    assert (ticket.severity, ticket.component) == ("Medium", "Tools")


def test_rpm_categories_notes_and_spec_items() -> None:
    sections = parse_fixture("rpm.ChangeLog")
    assert [e.category for e in sections[2].entries] == ["changes", "changes", "features"]
    oldest = sections[-1]
    assert texts(oldest) == [
        "This is the first release of the Pacemaker Cluster Resource Manager.",
        "Add OpenAIS support",
    ]
    rebuild = find_section(sections[4:5], "1.0.5")
    assert [e.category for e in rebuild.entries] == [None, "changes"]


# --- Pacemaker ChangeLog.md ----------------------------------------------------------------


def test_markdown_sections_categories_and_components() -> None:
    sections = parse_fixture("markdown.ChangeLog.md")
    assert [(s.version, s.raw_version, s.date) for s in sections] == [
        ("3.0.2", "Pacemaker-3.0.2", "2026-06-01"),
        ("2.1.0", "Pacemaker-2.1.0", "2021-06-08"),
        ("1.0.4", "Pacemaker-1.0.4-3", "2009-07-24"),
        ("1.0.5", "1.0.5-0.4.c9120a53a6ae.hg", "2009-07-28"),
    ]
    top = sections[0]
    assert [(e.category, e.component) for e in top.entries] == [
        ("features", "agents"),
        ("features", "libcib, tools"),
        ("fixes", "libcrmcommon"),
        ("fixes", "Pacemaker Remote"),
        ("api", "libcib"),
    ]
    regression = top.entries[2]
    assert regression.text == (
        "`xml_acl_filtered_copy()` returns false for NULL source *(regression introduced in 3.0.1)*"
    )
    assert regression.raw.startswith("**libcrmcommon:** `xml_acl")


def test_markdown_nested_items_are_separate_entries_with_parent() -> None:
    section = parse_fixture("markdown.ChangeLog.md")[1]
    assert [(e.position, e.parent, e.category) for e in section.entries] == [
        (1, None, "features"),
        (2, 1, "features"),
        (3, 1, "features"),
        (4, None, "features"),
        (5, None, "build"),
        (6, None, "regressions"),
    ]
    assert section.entries[1].text == (
        "allow Promoted and Unpromoted role names in CIB "
        "(in addition to Master and Slave, which are deprecated)"
    )
    assert not any("further details" in e.raw or "https://" in e.raw for e in section.entries)


def test_markdown_old_rpm_style_headers_inside_md() -> None:
    sections = parse_fixture("markdown.ChangeLog.md")
    assert texts(sections[2]) == [
        "Initial Fedora checkin",
        "Bug 2160 - Don't shuffle clones due to colocation",
    ]
    assert sections[2].entries[1].component == "pengine"


def test_rc_titled_as_final_release() -> None:
    sections = parse_fixture("rc-titled-final.ChangeLog.md")
    assert find_section(sections, "Pacemaker-2.1.0-rc1") is sections[0]
    assert find_section(sections, "2.1.0-rc3") is sections[0]
    assert find_section(sections, "2.0.5-rc2") is None  # 2.0.5 is not the first section
    assert find_section(sections, "2.1.1-rc1") is None
    exact = [ChangelogSection("2.1.0-rc1", "2.1.0-rc1", None, 99), *sections]
    assert find_section(exact, "2.1.0-rc1") is exact[0]
    later = [ChangelogSection("2.1.0-rc2", "2.1.0-rc2", None, 1), *sections]
    assert find_section(later, "2.1.0-rc1") is None


# --- cluster-glue and crmsh ----------------------------------------------------------------


def test_glue_version_in_first_bullet() -> None:
    sections = parse_fixture("glue.ChangeLog")
    assert [(s.version, s.date) for s in sections] == [
        ("1.0.13", "2024-03-22"),
        ("1.0.9", "2011-11-28"),
        ("1.0.5", "2010-04-15"),  # written "Mon Apr 15 2010": it was a Thursday
        ("1.0.2-rc2a", "2010-02-01"),
        ("2.99.0", "2008-08-19"),
    ]
    assert sections[-1].entries == ()
    assert find_section(sections, "glue-1.0.2-rc2a") is sections[3]


def test_glue_items_severity_kind_component() -> None:
    sections = parse_fixture("glue.ChangeLog")
    assert [(e.severity, e.kind, e.component, e.text) for e in sections[0].entries] == [
        (None, None, None, "Fix cl_times on x32"),
        ("Medium", None, "clplumbing", "don't abort on bad input"),
        (None, "fix", "stonith", "external/vcenter: Reset returns success with RESETPOWERON=0"),
        ("High", None, "stonith", "external/ec2: new agent for aws/ec2"),
    ]
    assert sections[2].entries[1].text == (
        "check if tables exist before free_str_table and prevent segfault (bnc#587887)"
    )
    assert [e.component for e in sections[3].entries] == ["stonith(8)", "lrmd,clientlib"]


def test_crmsh_release_lines_and_kinds() -> None:
    sections = parse_fixture("crmsh.ChangeLog")
    assert [s.version for s in sections] == [
        "5.1.0-rc2",
        "4.6.0-rc1",  # header written "*Thu Dec 7 2023" without a space
        "4.4.1",
        "2.2.0-rc3",
        "",
        "2.1",
        "1.2.6-rc3",
    ]
    top = sections[0]
    assert [(e.kind, e.component) for e in top.entries] == [
        ("fix", "sbd"),
        ("dev", "bootstrap"),
        ("refactor", "log"),
        ("chore", "github-actions"),
    ]
    assert top.entries[0].text == "Verify sbd devices on all nodes (#2118)"
    assert top.entries[0].raw == "Fix: sbd: Verify sbd devices on all nodes (#2118)"
    assert top.entries[1].text.endswith("knet transports (jsc#PED-16433) (#2131)")


def test_crmsh_nested_lists_and_lowercase_severity() -> None:
    section = parse_fixture("crmsh.ChangeLog")[3]
    assert [(e.position, e.parent, e.severity) for e in section.entries] == [
        (1, None, "High"),
        (2, None, None),
        (3, 2, None),
        (4, 2, None),
        (5, 4, None),
        (6, 4, None),
        (7, None, "Low"),
    ]
    assert (
        section.entries[0].text == "Merge rewizards development branch (fate#318211) (fate#318384)"
    )


def test_untitled_section_keeps_its_first_bullet_and_is_found_only_at_the_top() -> None:
    crmsh = parse_fixture("crmsh.ChangeLog")
    untitled = crmsh[4]
    assert (untitled.version, untitled.entries[0].severity) == ("", "Medium")
    assert find_section(crmsh, "2.2.0-rc2") is None
    top = parse_fixture("untitled-top.ChangeLog")
    assert find_section(top, "3.0.5") is top[0]
    assert find_section(top, "3.0.4") is top[1]


# --- bad input -----------------------------------------------------------------------------


def test_garbage_raises_parse_error_naming_path_and_line() -> None:
    with pytest.raises(ParseError, match=r"^garbage\.ChangeLog: line 1: no release header"):
        parse_fixture("garbage.ChangeLog")
    with pytest.raises(ParseError, match=r"^ChangeLog: line 3: binary data"):
        parse_changelog("* Wed Nov 23 2011 A <a@b> 1.0.12-1\nHigh: x\n\x00\x01")


def test_blank_and_placeholder_files_have_no_sections() -> None:
    assert parse_fixture("placeholder.NEWS") == []
    assert parse_changelog(" \n", "ChangeLog") == []
    assert parse_changelog("", "NEWS") == []
    assert parse_changelog("Please see 'git log'.\n", "ChangeLog") == []


def test_text_before_the_first_header_is_skipped() -> None:
    text = "Some preamble\n- stray item\n\n" + (FIXTURES / "glue.ChangeLog").read_text()
    sections = parse_changelog(text)
    assert [s.version for s in sections][:2] == ["1.0.13", "1.0.9"]
    assert sections[0].line == 4


# --- the real histories ----------------------------------------------------------------------

TAG_PATTERNS = {
    "pacemaker": (r"^Pacemaker-\d", ("ChangeLog.md", "ChangeLog")),
    "pacemaker-1.0": (r"^Pacemaker-\d", ("ChangeLog",)),
    "cluster-glue": (r"^glue-\d", ("ChangeLog",)),
    "crmsh": (r"^\d+\.\d+\.\d+", ("ChangeLog",)),
}
MIN_COVERAGE = 0.75


def git(repo: Path, *args: str) -> str:
    """Run git in a shadow repository and return its output."""
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def changelogs_at_tags(repo: Path, pattern: str, path: str) -> dict[str, str | None]:
    """The file `path` as each release tag matching `pattern` had it (None: no such file).

    Shadow repositories give a merge commit its first parent's tree, so `git show TAG:path`
    is stale where a tag sits on a merge (GitHub pull requests). The text the real merge
    carried is that of the newest non-merge commit reachable from the tag that touched the
    path (what `git log -1 --full-history --no-merges TAG -- path` prints); it is found here
    for all tags in one pass over the history instead of one slow `git log` per tag.
    """
    touched = [
        line.split()
        for line in git(
            repo, "log", "--all", "--full-history", "--no-merges", "--format=%H %ct", "--", path
        ).splitlines()
    ]
    bit = {sha: 1 << i for i, (sha, _) in enumerate(touched)}
    reach: dict[str, int] = {}
    for line in git(
        repo, "rev-list", "--all", "--topo-order", "--reverse", "--parents"
    ).splitlines():
        sha, *parents = line.split()
        mask = bit.get(sha, 0)
        for parent in parents:
            mask |= reach.get(parent, 0)
        reach[sha] = mask
    refs = git(repo, "for-each-ref", "refs/tags", "--format=%(refname:short) %(objectname)")
    texts: dict[str, str | None] = {}
    for tag, commit in (line.split() for line in refs.splitlines()):
        if not re.match(pattern, tag):
            continue
        mask = reach.get(commit, 0)
        candidates = [touched[i] for i in range(len(touched)) if mask >> i & 1]
        newest = max(candidates, key=lambda c: int(c[1]))[0] if candidates else None
        texts[tag] = _show(repo, newest, path) if newest else None
    return texts


def _show(repo: Path, sha: str, path: str) -> str | None:
    """The file at one commit, None when it was deleted there."""
    shown = subprocess.run(["git", "-C", str(repo), "show", f"{sha}:{path}"], capture_output=True)
    return shown.stdout.decode("utf-8", "replace") if shown.returncode == 0 else None


def test_pacemaker_1_0_12_has_40_entries(shadow_repos) -> None:
    repo = shadow_repos("pacemaker-1.0")
    text = git(repo, "show", "Pacemaker-1.0.12:ChangeLog")
    section = find_section(parse_changelog(text), "Pacemaker-1.0.12")
    assert (section.version, section.raw_version, section.date) == (
        "1.0.12",
        "1.0.12-1",
        "2011-11-23",
    )
    assert [e.severity for e in section.entries] == ["High"] * 15 + ["Medium"] * 25
    assert [e.position for e in section.entries] == list(range(1, 41))
    first, last = section.entries[0], section.entries[-1]
    assert (first.component, first.text) == (
        "cib",
        "Call gnutls_bye() and shutdown() when disconnecting from remote TLS connections",
    )
    assert (last.component, last.text) == ("Tools", "Bug lf#2621 - Correctly log corosync node IDs")
    assert Counter(e.component for e in section.entries)["PE"] == 11


def test_cluster_glue_1_0_9_entries(shadow_repos) -> None:
    repo = shadow_repos("cluster-glue")
    text = git(repo, "show", "glue-1.0.9:ChangeLog")
    section = find_section(parse_changelog(text), "glue-1.0.9")
    assert (section.version, section.date, section.line) == ("1.0.9", "2011-11-28", 1)
    assert [(e.component, e.text) for e in section.entries] == [
        ("stonith", "external/ipmi: add missing double quote"),
        ("stonith", "external/ipmi: add the priv parameter (ipmitool -L)"),
        ("LRM", "lrmd: set op status to cancelled for running monitor operations"),
        ("ha_log", "increase MAXENTITY size to accommodate long stonith strings"),
        ("hb_report", "improve destination directory handling (bnc#727295)"),
    ]


@pytest.mark.parametrize("project", ["pacemaker", "pacemaker-1.0", "cluster-glue", "crmsh", "lcmc"])
def test_every_changelog_version_parses(project: str) -> None:
    require_shared()
    with lzma.open(
        UPSTREAM / f"{project}.changelog-versions.jsonl.xz", "rt", encoding="utf-8"
    ) as f:
        versions = [json.loads(line) for line in f]
    sections = 0
    for v in versions:
        parsed = parse_changelog(v["text"], f"{v['commit'][:10]}:{v['path']}")
        sections += len(parsed)
        if v["path"] != "NEWS" and v["text"].strip() and len(v["text"]) > 100:
            assert parsed, f"{v['commit']}:{v['path']} yielded no sections"
        for s in parsed:
            assert [e.position for e in s.entries] == list(range(1, len(s.entries) + 1))
            assert all(e.text and e.raw for e in s.entries)
            assert all(e.severity in (None, "High", "Medium", "Low") for e in s.entries)
            assert all(e.parent is None or e.parent < e.position for e in s.entries)
            assert s.date is not None
            assert v["path"] != "ChangeLog.md" or s.version
    assert (sections > 0) == (project != "lcmc")


def test_release_tags_find_their_section(shadow_repos) -> None:
    figures = {}
    for project, (pattern, paths) in TAG_PATTERNS.items():
        repo = shadow_repos(project)
        files = {p: changelogs_at_tags(repo, pattern, p) for p in paths}
        found, candidates, missing = 0, 0, []
        for tag in sorted(files[paths[0]]):
            texts = [(p, files[p][tag]) for p in paths if files[p][tag]]
            parsed = [parse_changelog(text, p) for p, text in texts]
            if not any(parsed):
                continue
            candidates += 1
            if any(find_section(sections, tag) for sections in parsed):
                found += 1
                continue
            missing.append(tag)
            assert not any(_header_mentions(text, tag) for _, text in texts), tag
        figures[project] = (found, candidates, missing)
    for project, (found, candidates, missing) in figures.items():
        coverage = (
            f"{project}: {found}/{candidates} release tags with a ChangeLog find their section "
            f"(minimum {MIN_COVERAGE:.0%}); not in the file at the tag: {' '.join(missing) or '-'}"
        )
        assert candidates and found / candidates >= MIN_COVERAGE, coverage


def _header_mentions(text: str, tag: str) -> bool:
    """Independent check: does any header or release line of the raw text name this version?"""
    version = normalise_version(tag)
    spelled = re.escape(version).replace(r"\-", "[- ]")
    token = re.compile(rf"(?<![\w.]){spelled}(?![\w.]|-\d)")
    for line in text.splitlines():
        header = (line[:1] == "*" and not line.startswith("* **")) or (
            line[:1] == "#" and not line.startswith("##")
        )
        header = header or bool(re.match(r"^- .*\b(?:release|tag:)", line, re.I))
        if header and token.search(line):
            return True
    return False

"""ChangeLog layouts of corosync, resource-agents, sbd, booth and drbd-utils."""

from __future__ import annotations

import json
import lzma
from collections import Counter

import pytest

from digest.config import load_config
from digest.errors import ParseError
from digest.sources.changelog import find_section, parse_changelog, section_for
from tests.conftest import ROOT, UPSTREAM, require_shared
from tests.sources.test_changelog import changelogs_at_tags

RULE = "-" * 72
SVN = f"""{RULE}
r3035 | sdake | 2010-08-31 12:04:23 -0700 (Tue, 31 Aug 2010) | 6 lines

Merge trunk revision 3034:
r3034 | sdake | 2010-08-31 12:02:19 -0700 (Tue, 31 Aug 2010) | 2 lines

Bump version to 1.2.8.


{RULE}
r3033 | sdake | 2010-08-31 12:01:51 -0700 (Tue, 31 Aug 2010) | 7 lines

Merge trunk revision 3030:
r3030 | sdake | 2010-08-31 11:55:27 -0700 (Tue, 31 Aug 2010) | 3 lines

Build properly with different versions of libc by including all posix APIs
in header definitions.

Second paragraph is not part of the entry.
{RULE}
r3032 | asalkeld | 2010-08-24 18:13:14 -0700 (Tue, 24 Aug 2010) | 2 lines

IPC: return CS_ERR_NO_RESOURCES to library when low on fds.

{RULE}
r3000 | sdake | 2010-07-27 14:37:46 -0700 (Tue, 27 Jul 2010) | 2 lines

Change trunk version to 1.2.7.

{RULE}
r2999 | fabbione | 2010-07-20 10:00:00 -0700 (Tue, 20 Jul 2010) | 2 lines

totem: fix a crash

{RULE}
"""


def test_svn_log_sections_start_at_version_bumps():
    sections = parse_changelog(SVN, "CHANGELOG")
    assert [(s.version, s.date, s.line) for s in sections] == [
        ("1.2.8", "2010-08-31", 2),
        ("1.2.7", "2010-07-27", 26),
    ]
    first = sections[0].entries
    assert [(e.component, e.text) for e in first] == [
        (
            None,
            "Build properly with different versions of libc by including all posix APIs in "
            "header definitions.",
        ),
        ("IPC", "return CS_ERR_NO_RESOURCES to library when low on fds."),
    ]
    assert [e.text for e in sections[1].entries] == ["fix a crash"]
    assert section_for(SVN, "v1.2.7", "CHANGELOG").entries == sections[1].entries


def test_svn_log_untitled_top_and_files_without_bumps():
    newer = f"{RULE}\nr3100 | sdake | 2010-09-30 1:00:00 -0700 (x) | 1 line\n\nFix cpg\n" + SVN
    sections = parse_changelog(newer, "CHANGELOG")
    assert [s.version for s in sections] == ["", "1.2.8", "1.2.7"]
    assert find_section(sections, "1.2.9") is sections[0]  # regenerated without a bump
    assert find_section(sections, "1.2.8") is sections[1]
    no_bump = f"{RULE}\nr5 | cem | 2004-06-15 15:18:04 -0700 (x) | 2 lines\n\nInitial\n{RULE}\n"
    assert parse_changelog(no_bump, "CHANGELOG") == []


DRBD = """Latest:
------
 For even more detail, use "git log" or visit
 https://github.com/linbit/drbd-utils

8.9.10 (api:genl1/proto:86-101)
-----------
 * drbdadm: fix adjust for a v8 config
 * drbdadm,adjust: split disk-options into early/late stage
   based on bitmap direction

9.24.0-rc.1
-----------
 * v9: Support user-defined block-size

 8.9.1
-----------
Changelog for fixes propagated from 8.4.x:
 * drbdmeta: fix segfault
   - nested detail

0.6.1  (api:58/proto:61)
-----
Since the last one should have been 0.6, this is 0.6.1:
  *) Rewrote the receiver code. This one eliminates
     inter-device deadlocks.
"""


def test_drbd_utils_underlined_versions():
    sections = parse_changelog(DRBD)
    assert [(s.version, s.raw_version, s.date) for s in sections] == [
        ("8.9.10", "8.9.10", None),
        ("9.24.0-rc1", "9.24.0-rc.1", None),
        ("8.9.1", "8.9.1", None),
        ("0.6.1", "0.6.1", None),
    ]
    assert [(e.component, e.text) for e in sections[0].entries] == [
        ("drbdadm", "fix adjust for a v8 config"),
        ("drbdadm,adjust", "split disk-options into early/late stage based on bitmap direction"),
    ]
    assert find_section(sections, "v9.24.0-rc.1") is sections[1]
    nested = sections[2].entries
    assert [(e.text, e.parent) for e in nested] == [("fix segfault", None), ("nested detail", 1)]
    assert sections[3].entries[0].text == (
        "Rewrote the receiver code. This one eliminates inter-device deadlocks."
    )
    assert find_section(sections, "v8.9.1") is sections[2]  # never 8.9.10
    assert find_section(sections, "v8.9.11") is None
    assert section_for(DRBD, "8.9.10").entries == sections[0].entries


def test_sbd_dated_news():
    text = "2013-07-04 - v1.2.0\n\nThis is, finally, a public release.\n\nNew:\n- Initial\n"
    (section,) = parse_changelog(text, "NEWS")
    assert (section.version, section.date, [e.text for e in section.entries]) == (
        "1.2.0",
        "2013-07-04",
        ["Initial"],
    )


def test_resource_agents_release_candidates_and_booth_headers():
    text = (
        "* Wed Apr  8 2026 resource-agents contributors\n- stable release 4.18.0\n\n"
        "* Wed Mar 25 2026 resource-agents contributors\n- release candidate 4.18.0 rc1\n"
        "- Filesystem: new force_unmount=move option\n- IPaddr2: made find_interface() quiet\n\n"
        "* Wed Oct 17 2018 resource-agents contributors\n- stable release 4.1.0\n- x: y\n\n"
        "* Mar Jan 16 2016 Dejan Muhamedagic <dmuhamedagic@suse.com> and others\n"
        "- release candidate 1.0 rc1\n- ticket: term 0 is a valid term (bsc#952426)\n"
    )
    sections = parse_changelog(text)
    assert [(s.version, s.date) for s in sections] == [
        ("4.18.0", "2026-04-08"),
        ("4.18.0-rc1", "2026-03-25"),
        ("4.1.0", "2018-10-17"),
        ("1.0-rc1", "2016-01-16"),
    ]
    rc1 = find_section(sections, "v4.18.0rc1")
    assert [(e.component, e.text) for e in rc1.entries] == [
        ("Filesystem", "new force_unmount=move option"),
        ("IPaddr2", "made find_interface() quiet"),
    ]
    assert find_section(sections, "v4.18.0").entries == ()
    assert find_section(sections, "v4.10.0") is None  # never 4.1.0
    assert find_section(sections, "v1.0rc1").entries[0].component == "ticket"


def test_stack_layouts_keep_garbage_an_error():
    with pytest.raises(ParseError, match="NEWS: line 1: no release header"):
        parse_changelog("hello\n- a\n- b\n- c\n- d\n", "NEWS")


# Stable sections that hold only their release line (the notes are in the rc section).
EMPTY_FINALS = {"resource-agents": {"4.10.0", "4.12.0", "4.16.0", "4.18.0"}}
STACK = ["corosync", "resource-agents", "fence-agents", "sbd", "booth", "drbd-utils"]


def _release_versions(project: str) -> list[str]:
    source = load_config(ROOT / "sources.yaml").project(project).sources[0]
    tags = json.loads((UPSTREAM / f"{project}.tags.json").read_text())
    return [m["version"] for t in tags if (m := source.release_tags.match(t["tag"]))]


@pytest.mark.parametrize("project", STACK)
def test_every_stored_changelog_version_parses(project):
    require_shared()
    with lzma.open(UPSTREAM / f"{project}.changelog-versions.jsonl.xz", "rt") as f:
        versions = [json.loads(line) for line in f]
    if not versions:
        pytest.skip(f"{project} keeps no ChangeLog in its history (notes come from elsewhere)")
    releases = _release_versions(project)
    counts: Counter[str] = Counter()
    empty = set()
    for v in versions:
        sections = parse_changelog(v["text"], f"{v['commit'][:10]}:{v['path']}")
        counts["files"] += 1
        counts["sections"] += len(sections)
        for s in sections:
            assert [e.position for e in s.entries] == list(range(1, len(s.entries) + 1))
            assert all(e.text and e.raw for e in s.entries)
        for version in releases:
            found = find_section(sections, version)
            if found is None or not found.version:
                continue
            counts["release sections"] += 1
            counts["entries"] += len(found.entries)
            if not found.entries:
                empty.add(version)
    assert empty <= EMPTY_FINALS.get(project, set()), sorted(empty)
    assert counts["sections"] > 0, f"{project}: {dict(counts)}"


TAGS = {
    "corosync": (r"^v\d", ("CHANGELOG",)),
    "resource-agents": (r"^(?:v|agents-)\d", ("ChangeLog",)),
    "sbd": (r"^v\d", ("NEWS",)),
    "booth": (r"^v\d", ("ChangeLog",)),
    "drbd-utils": (r"^v\d", ("ChangeLog",)),
}


def test_release_tags_find_their_section_in_the_file_at_the_tag(shadow_repos):
    figures = {}
    for project, (pattern, paths) in TAGS.items():
        repo = shadow_repos(project)
        files = changelogs_at_tags(repo, pattern, paths[0])
        titled, found, with_file = 0, 0, 0
        for tag, text in sorted(files.items()):
            sections = parse_changelog(text, paths[0]) if text else []
            if not sections:
                continue
            with_file += 1
            section = find_section(sections, tag)
            found += section is not None
            titled += bool(section and section.version)
            if section and section.version:
                assert find_section([section], tag) is section
        figures[project] = (found, titled, with_file, len(files))
    # figures: project -> (sections found, titled with their version, tags with a file, tags)
    assert figures["resource-agents"][1] >= 60, figures
    assert figures["drbd-utils"][1] == figures["drbd-utils"][3]
    assert figures["corosync"][0] >= 12 and figures["corosync"][1] >= 6

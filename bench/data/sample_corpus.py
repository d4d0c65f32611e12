"""Print the seeded sample of upstream English lines behind bench/data/translate_corpus.tsv.

Reads ../shared/upstream (relative to the checkout) and prints one candidate a line as
``project<TAB>era<TAB>source<TAB>english``. The sample is fixed by SEED: running the script again
prints the same lines in the same order. The Japanese references in the TSV were written by hand
for these lines; this script only records where the English came from.
"""

from __future__ import annotations

import gzip
import json
import lzma
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

SEED = 20261205
UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "upstream"
REFERENCE = UPSTREAM.parent / "reference" / "2011-12-02-monthly-digest-december.md"

# Hard shapes: a share of every stratum is drawn from lines that match one of these.
HARD = re.compile(
    r"\b(when|if|unless|once|until|no longer|not|don't|doesn't|do not|does not|never|"
    r"deprecat\w*|without)\b|`|>=|<=|[<>&]",
    re.I,
)
# Lines named in the brief as traps: always included when present.
TRAPS = re.compile(
    r"close to expiration|completion of|^release 1\.1\.0$|^[\w :]{0,12}\bunit tests?\W*$|"
    r"\bflipping\b|more hosts in|>= ?\d",
    re.I,
)
NAMED = re.compile(r"close to expiration|systemd start/stop|^release 1\.1\.0$|flipping|more hosts")
MAX_TRAPS = 4  # per stratum; further trap lines compete as ordinary hard shapes
HARD_SHARE = 0.35

# (project, era, source) -> how many lines to draw.
QUOTAS: dict[tuple[str, str, str], int] = {
    ("pacemaker", "pcmk-0.6", "changelog"): 32,
    ("pacemaker", "pcmk-0.6", "commit"): 8,
    ("pacemaker-1.0", "pcmk-1.0", "changelog"): 40,
    ("pacemaker-1.0", "pcmk-1.0", "commit"): 18,
    ("pacemaker", "pcmk-1.1", "changelog"): 60,
    ("pacemaker", "pcmk-1.1", "commit"): 25,
    ("pacemaker", "pcmk-2.x", "changelog.md"): 50,
    ("pacemaker", "pcmk-2.x", "commit"): 15,
    ("pacemaker", "pcmk-3.x", "changelog.md"): 35,
    ("pacemaker", "pcmk-3.x", "commit"): 10,
    ("cluster-glue", "glue", "changelog"): 34,
    ("cluster-glue", "glue", "commit"): 20,
    ("crmsh", "crmsh-1.x", "changelog"): 10,
    ("crmsh", "crmsh-1.x", "commit"): 30,
    ("crmsh", "crmsh-2.x+", "changelog"): 25,
    ("crmsh", "crmsh-2.x+", "commit"): 15,
    ("crmsh", "crmsh-4.x+", "changelog"): 30,
    ("crmsh", "crmsh-4.x+", "commit"): 15,
    ("lcmc", "lcmc", "commit"): 64,
    ("cluster-glue", "announce", "changelog"): 4,
    ("crmsh", "announce", "changelog"): 8,
    ("pacemaker", "announce", "changelog"): 3,
    ("drbd-utils", "announce", "changelog"): 6,
    ("sbd", "announce", "changelog"): 2,
    ("booth", "announce", "changelog"): 2,
    ("resource-agents", "stack", "changelog"): 4,
    ("resource-agents", "stack", "commit"): 4,
    ("fence-agents", "stack", "commit"): 7,
    ("corosync", "stack", "commit"): 7,
    ("sbd", "stack", "commit"): 6,
    ("booth", "stack", "commit"): 6,
    ("drbd-utils", "stack", "commit"): 6,
}

TRIVIA = re.compile(
    r"(?i)(update (source|the) tarball|statistics|changesets|diff:|\d+ commits with)"
)
WRAPPED = re.compile(r"(?i)\b(that|and|or|the|a|an|of|to|for|with|in|on|only|am|is|are|from|by)$")
Candidate = tuple[str, str, str, str]  # project, era, source, english
TITLES: dict[str, str] = {}  # merge-commit subject -> the merged pull request's title


def usable(line: str) -> bool:
    """A one-line change description worth translating (ASCII, not trivia)."""
    if not 6 <= len(line) <= 160 or not line.isascii() or "\t" in line:
        return False
    if TRIVIA.match(line):
        return False
    if WRAPPED.search(line):
        return False  # the first line of an entry wrapped onto the next
    return bool(re.search(r"[A-Za-z]{3}", line))


def release_header(line: str) -> bool:
    """A ChangeLog release header (author e-mail and year) caught as a bullet."""
    return bool(re.search(r"<[^>\s]+@[^>\s]+>", line) and re.search(r"\b(19|20)\d\d\b", line))


def version_tuple(text: str) -> tuple[int, ...]:
    """The first dotted version number in a release header, as integers."""
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g) for g in m.groups() if g is not None) if m else ()


def pacemaker_era(version: tuple[int, ...]) -> str | None:
    """Era of a Pacemaker release number."""
    if not version:
        return None
    if version[0] == 0:
        return "pcmk-0.6"
    if version[:2] == (1, 0):
        return "pcmk-1.0"
    if version[:2] == (1, 1):
        return "pcmk-1.1"
    return {2: "pcmk-2.x", 3: "pcmk-3.x"}.get(version[0])


def changelog_texts(project: str) -> Iterator[tuple[str, str]]:
    """(path, text) of every stored version of a project's ChangeLog files."""
    with lzma.open(UPSTREAM / f"{project}.changelog-versions.jsonl.xz", "rt") as fh:
        for raw in fh:
            row = json.loads(raw)
            yield row["path"], row["text"]


def rpm_entries(text: str) -> Iterator[tuple[tuple[int, ...], str, bool]]:
    """(release version, entry, is-first-entry) from an RPM-style ChangeLog."""
    version: tuple[int, ...] = ()
    first = False
    for line in text.splitlines():
        if line.startswith("* "):
            version, first = version_tuple(line.split(">")[-1] or line), True
            continue
        m = re.match(r"^\s*[-+*] (.*)$", line)
        if m:
            entry = m.group(1).strip()
            if first and not version:
                version = version_tuple(entry)
            if re.match(r"(?i)(changes|features added|fixes|public api) .*since", entry):
                continue
            yield version, entry, first
            first = False


def md_entries(text: str) -> Iterator[tuple[tuple[int, ...], str, str]]:
    """(release version, section heading, bullet) from Pacemaker's ChangeLog.md."""
    version: tuple[int, ...] = ()
    section = ""
    for line in text.splitlines():
        if line.startswith("# "):
            version = version_tuple(line)
        elif line.startswith("## "):
            section = line[3:]
        elif m := re.match(r"^\s*[*+] (.*)$", line):
            yield version, section, m.group(1).strip()


def drbd_entries(text: str) -> Iterator[tuple[tuple[int, ...], str]]:
    """(release version, bullet) from drbd-utils' ChangeLog (version lines, then ' * ' bullets)."""
    version: tuple[int, ...] = ()
    for line in text.splitlines():
        if re.match(r"^\d+\.\d+", line):
            version = version_tuple(line)
        m = re.match(r"^\s+\* (.*)$", line)
        if m:
            yield version, m.group(1).strip()


def changelog_candidates() -> Iterator[Candidate]:
    """Every ChangeLog line of every stored version, with project and era."""
    for path, text in changelog_texts("pacemaker"):
        if path == "ChangeLog":
            for version, entry, _first in rpm_entries(text):
                era = pacemaker_era(version)
                if entry.lower().startswith("important security fix"):
                    yield "pacemaker", "announce", "changelog", entry
                elif era in ("pcmk-0.6", "pcmk-1.1"):
                    yield "pacemaker", era, "changelog", entry
        elif path == "ChangeLog.md":
            for version, section, entry in md_entries(text):
                era = pacemaker_era(version)
                if era in ("pcmk-2.x", "pcmk-3.x") and "Public API" not in section:
                    yield "pacemaker", era, "changelog.md", entry
    for _path, text in changelog_texts("pacemaker-1.0"):
        for _version, entry, _first in rpm_entries(text):
            yield "pacemaker-1.0", "pcmk-1.0", "changelog", entry
    for project, prefix in (("cluster-glue", "glue"), ("crmsh", "crmsh")):
        for path, text in changelog_texts(project):
            if path != "ChangeLog":
                continue
            for version, entry, first in rpm_entries(text):
                if first or re.match(r"(?i)(stable )?release ", entry):
                    yield project, "announce", "changelog", entry
                elif project == "cluster-glue":
                    yield project, prefix, "changelog", entry
                else:
                    yield project, crmsh_era(version), "changelog", entry
    for _path, text in changelog_texts("drbd-utils"):
        for _version, entry in drbd_entries(text):
            yield "drbd-utils", "announce", "changelog", entry
    for project in ("sbd", "booth"):
        for _path, text in changelog_texts(project):
            for line in text.splitlines():
                m = re.match(r"^\s*[-+*] (.*)$", line)
                if m:
                    yield project, "announce", "changelog", m.group(1).strip()
    for _path, text in changelog_texts("resource-agents"):
        for line in text.splitlines():
            m = re.match(r"^\s*- (.*)$", line)
            if m:
                yield "resource-agents", "stack", "changelog", m.group(1).strip()


def crmsh_era(version: tuple[int, ...]) -> str:
    """Era of a crmsh release number."""
    if version and version[0] <= 1:
        return "crmsh-1.x"
    if version and version[0] <= 3:
        return "crmsh-2.x+"
    return "crmsh-4.x+"


def commit_era(project: str, date: str, subject: str) -> tuple[str, str] | None:
    """(project, era) of a commit subject, by its commit date."""
    if project == "pacemaker":
        if re.match(r"(?i)(low|medium|high): (shell|cli):", subject):
            return None  # the crm shell's history, sampled from crmsh
        if date < "2008-10-16":
            return project, "pcmk-0.6"
        if date < "2009-01-01":
            return None  # pcmk-1.0 is sampled from pacemaker-1.0
        if date < "2018-07-06":
            return project, "pcmk-1.1"
        return project, "pcmk-2.x" if date < "2025-01-08" else "pcmk-3.x"
    if project == "crmsh":
        if date < "2014-04-04":
            return project, "crmsh-1.x"
        return project, "crmsh-2.x+" if date < "2019-06-21" else "crmsh-4.x+"
    eras = {"pacemaker-1.0": "pcmk-1.0", "cluster-glue": "glue", "lcmc": "lcmc"}
    return project, eras.get(project, "stack")


def commit_candidates() -> Iterator[Candidate]:
    """Commit subjects (and the title of each merged pull request) with project and era."""
    projects = ("pacemaker", "pacemaker-1.0", "cluster-glue", "crmsh", "lcmc", "resource-agents")
    for project in (*projects, "fence-agents", "corosync", "sbd", "booth", "drbd-utils"):
        with gzip.open(UPSTREAM / f"{project}.commits.jsonl.gz", "rt") as fh:
            rows = sorted((json.loads(raw) for raw in fh), key=lambda r: r["sha"])
        for row in rows:
            lines = [ln.strip() for ln in (row["message"] or "").splitlines()]
            if not lines:
                continue
            where = commit_era(project, row["commit_date"], lines[0])
            if where is None:
                continue
            yield where[0], where[1], "commit", lines[0]
            if lines[0].startswith("Merge pull request") and len(lines) > 2 and lines[2]:
                TITLES[lines[0]] = lines[2]


def reference_lines() -> set[str]:
    """English lines quoted in the reference post (evaluated separately, so left out)."""
    if not REFERENCE.exists():
        return set()
    text = REFERENCE.read_text(encoding="utf-8")
    return {same_change(m.strip()) for m in re.findall(r"\[([^\]\n]+)\]\(http", text)}


def same_change(line: str) -> str:
    """A key under which one change's ChangeLog line, subject and backport subjects collide."""
    line = re.sub(r"^\[[\w.-]+\]\s*", "", line)
    line = re.sub(r"^\*\*([^*]+):\*\*\s*", r"\1: ", line)
    line = re.sub(r"^(?:[\w ,./-]{1,30}:\s+)+", "", line)
    line = re.sub(r"(\s*\((?:[\w-]*#\d+)\))+\s*$", "", line)
    return re.sub(r"s\b", "", line.lower().rstrip("."))


def pools() -> dict[tuple[str, str, str], list[str]]:
    """Distinct usable lines per (project, era, source), in a stable order."""
    seen = reference_lines()
    out: dict[tuple[str, str, str], list[str]] = {}
    for project, era, source, line in (*changelog_candidates(), *commit_candidates()):
        key = (project, era, "commit" if source.startswith("commit") else source)
        if key not in QUOTAS or same_change(line) in seen or not usable(line):
            continue
        seen.add(same_change(line))
        out.setdefault(key, []).append(line)
    return out


def draw(lines: list[str], quota: int, rng: random.Random) -> list[str]:
    """Traps first, then a hard-shape share, then plain lines, all drawn with rng."""
    traps = sorted((ln for ln in lines if TRAPS.search(ln)), key=lambda ln: not NAMED.search(ln))
    traps = traps[:MAX_TRAPS]
    hard = [ln for ln in lines if HARD.search(ln) and ln not in traps]
    rng.shuffle(hard)
    picked = traps + hard[: max(0, round(quota * HARD_SHARE) - len(traps))]
    rest = [ln for ln in lines if ln not in set(picked)]
    rng.shuffle(rest)
    return (picked + rest)[: max(quota, len(traps))]


def main() -> int:
    """Print the sample, one candidate a line."""
    if not UPSTREAM.is_dir():
        print(f"Error: {UPSTREAM} not found (run from a checkout next to shared/)", file=sys.stderr)
        return 1
    rng = random.Random(SEED)
    found = pools()
    printed: set[str] = set()
    for key, quota in QUOTAS.items():
        for line in draw(found.get(key, []), quota, rng):
            title = TITLES.get(line, "")
            rows = [(key, line)]
            if usable(title):
                rows.append(((key[0], key[1], "merge-title"), title))
            for (project, era, source), text in rows:
                if release_header(text):
                    continue  # dropped after drawing, so the draws of later strata stay put
                if same_change(text) not in printed:
                    printed.add(same_change(text))
                    print("\t".join((project, era, source, text)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

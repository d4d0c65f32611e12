"""Git source: a bare mirror per repository and one streamed `git log` per run.

`sync_mirror` clones/fetches only the configured branches and the tags, `read_refs` lists what
the mirror holds, `read_commits` streams commits not reachable from the previous run's tips, and
`parse_log` (pure) turns `git log -z --numstat` bytes into Commit records.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import git

from digest.config import GitSource
from digest.errors import FetchError
from digest.models import Commit, FileChange
from digest.sources.trailers import cross_references

MARKER = b"\x1eDIGEST-COMMIT\x1f"
FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B")
LOG_FORMAT = "--format=" + MARKER.decode() + "%x00".join(FIELDS)
CHUNK = 1 << 20
FOLLOW_WAIT = 0.002  # seconds between looks at git's output file when we are ahead of git


@dataclass(frozen=True)
class Ref:
    """A branch or tag in the mirror, peeled to its commit."""

    name: str
    commit: str
    tagger_date: str | None
    commit_date: str

    @property
    def short(self) -> str:
        """The name without refs/heads/ or refs/tags/."""
        return self.name.split("/", 2)[2]

    @property
    def is_tag(self) -> bool:
        """True for refs/tags/*."""
        return self.name.startswith("refs/tags/")


def mirror_path(source: GitSource, cache_dir: Path) -> Path:
    """Where the bare mirror of a source lives."""
    return cache_dir / "git" / f"{source.id}.git"


def sync_mirror(source: GitSource, cache_dir: Path) -> tuple[git.Repo, list[str]]:
    """Create or update the bare mirror; returns it and warnings (e.g. missing branches)."""
    path = mirror_path(source, cache_dir)
    if (path / "HEAD").exists():
        repo = git.Repo(path)
    else:
        path.mkdir(parents=True, exist_ok=True)
        repo = git.Repo.init(path, bare=True)
        repo.git.config("gc.auto", "0")
    repo.git.config("remote.origin.url", source.url)
    remote_heads = _remote_heads(repo, source)
    wanted = [b for b in remote_heads if _configured(b, source.branches)]
    warnings = [
        f"source '{source.id}': branch '{pattern}' not found upstream"
        for pattern in source.branches
        if not any(fnmatch.fnmatchcase(b, pattern) for b in remote_heads)
    ]
    refspecs = [f"+refs/heads/{b}:refs/heads/{b}" for b in wanted]
    if source.tags:
        refspecs.append("+refs/tags/*:refs/tags/*")
    if not refspecs:
        raise FetchError(f"source '{source.id}': none of the configured branches exist upstream")
    _git(repo, source, "fetch", "--quiet", "--prune", "--no-tags", "origin", "--", *refspecs)
    _drop_stale_branches(repo, source, set(wanted))
    warnings.extend(_write_commit_graph(repo, source))
    return repo, warnings


def _write_commit_graph(repo: git.Repo, source: GitSource) -> list[str]:
    """Index the mirror's new commits: git log then reads faster, --topo-order without delay."""
    try:
        _git(repo, source, "commit-graph", "write", "--reachable", "--split")
    except FetchError as exc:
        return [f"{exc} (history is read without it)"]
    return []


def _remote_heads(repo: git.Repo, source: GitSource) -> list[str]:
    output = _git(repo, source, "ls-remote", "--heads", "origin")
    heads = []
    for line in output.splitlines():
        _, _, ref = line.partition("\t")
        if ref.startswith("refs/heads/"):
            heads.append(ref[len("refs/heads/") :])
    return heads


def _configured(branch: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(branch, pattern) for pattern in patterns)


def _drop_stale_branches(repo: git.Repo, source: GitSource, wanted: set[str]) -> None:
    output = _git(repo, source, "for-each-ref", "--format=%(refname:strip=2)", "refs/heads/")
    for branch in output.splitlines():
        if branch and branch not in wanted:
            _git(repo, source, "update-ref", "-d", f"refs/heads/{branch}")


def read_refs(repo: git.Repo, source: GitSource) -> list[Ref]:
    """Branches and tags of the mirror, each peeled to a commit, with tagger/commit dates."""
    fmt = "%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00%(taggerdate:iso-strict)"
    output = _git(repo, source, "for-each-ref", f"--format={fmt}", "refs/heads/", "refs/tags/")
    raw = []
    for line in output.splitlines():
        name, kind, obj, peeled, tagger = line.split("\0")
        commit = peeled if kind == "tag" else obj
        raw.append((name, commit, tagger or None))
    dates = commit_dates(repo, source, [commit for _, commit, _ in raw])
    return [
        Ref(name, commit, tagger, dates[commit]) for name, commit, tagger in raw if commit in dates
    ]


def commit_dates(repo: git.Repo, source: GitSource, shas: Iterable[str]) -> dict[str, str]:
    """Committer dates of the given commits (one git call); unknown or non-commit ids dropped."""
    unique = sorted(set(shas))
    if not unique:
        return {}
    proc = subprocess.run(
        ["git", "-C", str(repo.git_dir), "log", "--no-walk=unsorted", "--format=%H %cI", "--stdin"],
        input="\n".join(unique) + "\n",
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise FetchError(f"source '{source.id}': git log --no-walk failed: {proc.stderr.strip()}")
    return dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)


def existing_commits(repo: git.Repo, shas: Iterable[str]) -> list[str]:
    """The subset of shas that are commits present in the mirror (force-pushes may drop some)."""
    wanted = [s for s in shas if s]
    if not wanted:
        return []
    proc = subprocess.run(
        ["git", "-C", str(repo.git_dir), "cat-file", "--batch-check=%(objectname) %(objecttype)"],
        input="\n".join(wanted) + "\n",
        capture_output=True,
        text=True,
    )
    found = []
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == "commit":
            found.append(parts[0])
    return found


def read_commits(
    repo: git.Repo,
    source: GitSource,
    include: list[str],
    exclude: list[str],
    *,
    topo: bool = False,
    problems: list[str] | None = None,
) -> Iterator[Commit]:
    """Stream every commit reachable from include and not from exclude, newest first.

    With topo, every commit comes after all of its children (git log --topo-order; git then
    walks the history before its first line). A record that cannot be parsed is one line in
    `problems` (naming the source) and is skipped; without `problems` it raises FetchError.
    """
    if not include:
        return
    revs = [*include, *(f"^{sha}" for sha in exclude)]
    order = ["--topo-order"] if topo else []
    skip = 0
    while True:
        options = [*order, "--numstat", f"--skip={skip}"]
        reader = _LogReader(repo, source, revs, options, problems)
        for commit in reader:
            skip += 1
            yield commit
        skip += reader.skipped
        if reader.ok:
            return
        # A blob is missing: take the failing commit's paths without counts, then go on.
        options = [*order, "--name-only", f"--skip={skip}", "-n1"]
        yield from _LogReader(repo, source, revs, options, problems)
        skip += 1


class _LogReader:
    """One `git log` process whose output is parsed as it streams."""

    def __init__(
        self,
        repo: git.Repo,
        source: GitSource,
        revs: list[str],
        options: list[str],
        problems: list[str] | None = None,
    ) -> None:
        self.repo, self.source, self.revs = repo, source, revs
        self.args = ["-z", "--no-renames", "--no-color", LOG_FORMAT, *options]
        self.single = "-n1" in options
        self.problems = problems
        self.ok = False
        self.skipped = 0

    def _parse(self, record: bytes) -> Iterator[Commit]:
        """The record's commit; an unparseable one is a problem (or a FetchError)."""
        try:
            yield parse_record(record)
        except RecordError as exc:
            message = f"source '{self.source.id}': git log record skipped: {exc}"
            if self.problems is None:
                raise FetchError(message) from exc
            self.problems.append(message)
            self.skipped += 1

    def __iter__(self) -> Iterator[Commit]:
        git_dir = str(self.repo.git_dir)
        cmd = ["git", "-C", git_dir, "log", *self.args, "--stdin"]
        with contextlib.ExitStack() as files:
            out, err = _scratch_files(files, git_dir, self.source.id)
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err)
            assert proc.stdin
            proc.stdin.write(("\n".join(self.revs) + "\n").encode())
            proc.stdin.close()
            pending: bytes | None = None
            try:
                for record in _records(_follow(out, proc), single=self.single):
                    if pending is not None:
                        yield from self._parse(pending)
                    pending = record
                status = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        if status == 0:
            if pending is not None:
                yield from self._parse(pending)
            self.ok = True
        elif not _missing_object(stderr):
            why = _summary(stderr) if stderr.strip() else f"exit status {status}, no message"
            raise FetchError(f"source '{self.source.id}': git log failed: {why}")


def _scratch_files(files: contextlib.ExitStack, where: str, source_id: str) -> list[IO[bytes]]:
    """Two unlinked files beside the mirror for git's output and messages, closed with the stack."""
    try:
        return [files.enter_context(tempfile.TemporaryFile(dir=where)) for _ in range(2)]
    except OSError as exc:
        raise FetchError(f"source '{source_id}': cannot write git's output: {exc}") from exc


def _follow(output: IO[bytes], proc: subprocess.Popen[bytes]) -> Iterator[bytes]:
    """Read the file git is writing, chunk by chunk, until git has exited and all is read.

    git flushes its output after every commit: into a pipe each flush wakes the reader (a
    context switch per commit, a tenth of git's time); into a file it costs git nothing, and
    git never waits for our parsing.
    """
    fd, offset = output.fileno(), 0
    while True:
        finished = proc.poll() is not None  # before reading: what it wrote is then all there
        chunk = os.pread(fd, CHUNK, offset)
        if chunk:
            offset += len(chunk)
            yield chunk
        elif finished:
            return
        else:
            time.sleep(FOLLOW_WAIT)


def _missing_object(stderr: str) -> bool:
    return "unable to read" in stderr or "missing blob" in stderr or "bad object" in stderr


def _records(chunks: Iterable[bytes], *, single: bool = False) -> Iterator[bytes]:
    """Split the stream at the commit marker, keeping memory bounded by one record.

    A message or a path may contain the marker; what follows such a marker is not a header
    (40-hex sha NUL parent shas NUL ... : messages and paths hold no NUL, and the field after
    a path is a numstat entry with tabs), so it is glued back onto the record it belongs to.
    With `single` (one commit asked for) every marker after the first is content.
    """
    tail, current, started, header = b"", None, False, _HEADER.match
    for chunk in chunks:
        parts = (tail + chunk).split(MARKER)
        tail = parts.pop()
        for part in parts:
            if current is None:
                if started or part:  # else the stream starts with a marker
                    current = part
                started = True
            elif not single and header(part):
                yield current
                current = part
            else:
                current += MARKER + part
    if tail and current is not None and (single or not header(tail)):
        current, tail = current + MARKER + tail, b""
    if current is not None:
        yield current
    if tail:
        yield tail


_SHA = rb"[0-9a-f]{40}(?:[0-9a-f]{24})?"
# sha NUL parents NUL author, email, date, committer, email, date (each NUL-terminated).
_HEADER = re.compile(_SHA + rb"\0(?:" + _SHA + rb"(?: " + _SHA + rb")*)?\0(?:[^\0]*\0){6}")
_DATE = re.compile(r"\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")


def _is_header(part: bytes) -> bool:
    """True when a record starts here: sha, parent list and all header fields."""
    return _HEADER.match(part) is not None


class RecordError(ValueError):
    """A `git log` record that is not a commit record."""


def parse_log(
    data: bytes, *, problems: list[str] | None = None, name: str = "git log"
) -> Iterator[Commit]:
    """Parse complete `git log -z` output produced with LOG_FORMAT (pure).

    A record that cannot be parsed is reported in `problems` (prefixed with `name`) and
    skipped; without `problems` it raises RecordError.
    """
    for record in _records([data]):
        commit = _checked(record, problems, name)
        if commit is not None:
            yield commit


def _checked(record: bytes, problems: list[str] | None, name: str) -> Commit | None:
    try:
        return parse_record(record)
    except RecordError as exc:
        if problems is None:
            raise
        problems.append(f"{name}: git log record skipped: {exc}")
        return None


def parse_record(record: bytes) -> Commit:
    """One commit record: NUL-separated header fields, then numstat or name-only entries."""
    if _HEADER.match(record) is None:
        raise RecordError(f"no commit id, parents and header fields: {_preview(record)}")
    parts = _decode_record(record)
    sha, parents, an, ae, ad, cn, ce, cd, message = parts[: len(FIELDS)]
    if not (_DATE.fullmatch(ad) and _DATE.fullmatch(cd)):
        raise RecordError(f"commit {sha}: unreadable dates {ad!r}, {cd!r}")
    files = tuple(_file_change(entry) for entry in parts[len(FIELDS) :] if entry.strip("\n"))
    hg_rev, backport_of = cross_references(message)
    return Commit(
        sha=sha,
        parents=tuple(parents.split()),
        author=an,
        author_email=ae,
        author_date=ad,
        committer=cn,
        committer_email=ce,
        commit_date=cd,
        message=message.rstrip("\n"),
        files=files,
        hg_rev=hg_rev,
        backport_of=backport_of,
    )


def _preview(record: bytes) -> str:
    return repr(decode(record[:60].replace(b"\0", b" ")))


def _file_change(entry: str) -> FileChange:
    fields = entry.lstrip("\n").split("\t", 2)
    if len(fields) == 3:
        added, deleted, path = fields
        return FileChange(_count(added), _count(deleted), path)
    return FileChange(None, None, fields[0])


def _count(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def decode(data: bytes) -> str:
    """Text from git: UTF-8 when valid, else Windows-1252; control characters removed."""
    data = data.translate(None, _CONTROL + b"\0")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _decode_record(record: bytes) -> list[str]:
    """NUL-separated fields; decoded whole when it is UTF-8, field by field otherwise."""
    record = record.translate(None, _CONTROL)
    try:
        return record.decode("utf-8").split("\0")
    except UnicodeDecodeError:
        return [decode(field) for field in record.split(b"\0")]


# Control bytes never occur inside a UTF-8 sequence, so they can be removed before decoding.
_CONTROL = bytes([*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def read_blobs(git_dir: Path, specs: list[str]) -> dict[str, bytes]:
    """Contents of `<rev>:<path>` objects in one `git cat-file --batch`; missing ones omitted."""
    if not specs:
        return {}
    proc = subprocess.run(
        ["git", "-C", str(git_dir), "cat-file", "--batch"],
        input=("\n".join(specs) + "\n").encode(),
        capture_output=True,
    )
    out, pos, found = proc.stdout, 0, {}
    for spec in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[spec] = out[pos : pos + size]
            pos += size + 1
        elif len(header) == 3:
            pos += int(header[2]) + 1
    return found


def _git(repo: git.Repo, source: GitSource, *args: str) -> str:
    try:
        return repo.git.execute(["git", *args], kill_after_timeout=3600)
    except git.GitCommandError as exc:
        detail = _summary((exc.stderr or str(exc)).replace("stderr: ", ""))
        raise FetchError(f"source '{source.id}': git {args[0]} failed: {detail}") from exc


def _summary(stderr: str) -> str:
    """One line of git's messages: its first fatal: line, else its last line."""
    lines = [line.strip(" '") for line in stderr.splitlines() if line.strip(" '")]
    fatal = [line for line in lines if line.startswith("fatal:")]
    return (fatal or lines or ["no message"])[0 if fatal else -1]

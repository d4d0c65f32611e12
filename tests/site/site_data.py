"""A real store and posts for the site tests: three projects, releases, Japanese, hostile text."""

from __future__ import annotations

import shutil
from pathlib import Path

from digest import store
from digest.models import ChangelogEntry, Commit, Release
from tests.conftest import SHARED
from tests.helpers import FIXTURES_DIR, tm_row, unreleased

FIXTURES = FIXTURES_DIR / "site"
POSTS = FIXTURES / "posts"
GOOD_POSTS = ("2011-11-02-monthly-digest-november.md", "2011-12-02-monthly-digest-december.md")
REFERENCE = SHARED / "reference" / "2011-12-02-monthly-digest-december.md"
NEW_POST = FIXTURES / "new" / "2012-01-05-monthly-digest-january.md"
XSS_SUBJECT = "<script>alert('xss')</script> Fix crash in <b>viewer</b>"
JS_SUBJECT = "Fix [link](javascript:alert(1)) handling javascript:alert(2)"
PE_LINES = [f"High: PE: Fix scheduling corner case number {n}" for n in range(1, 6)]
DANGER = [
    "<script>",
    "</script>",
    "javascript:",
    "<a href=",
    '"',
    "'",
    "[x](",
    ")",
    "<img src=x onerror=",
    "<!--",
    "-->",
    "JaVaScRiPt:",
    "&#106;avascript:",
    "\n",
    " ",
    "alert(1)",
    "<svg onload=",
    ">",
]


def _commit(sha: str, message: str, date: str, parents: tuple[str, ...] = ()) -> Commit:
    return Commit(
        sha, parents, "Dev", "dev@example.org", date, "Dev", "dev@example.org", date, message
    )


def _entry(position: int, raw: str) -> ChangelogEntry:
    """A ChangeLog item as the parser gives it: "High: PE: text" -> severity, component, text."""
    words = raw.split(": ")
    severity = words.pop(0) if words[0] in ("High", "Medium", "Low") else None
    component = words.pop(0) if len(words) > 1 else None
    return ChangelogEntry(position, ": ".join(words), raw, severity=severity, component=component)


def make_store(path: Path):
    """A real SQLite store: three projects, releases with and without ChangeLogs, Japanese."""
    db = store.open_db(path)
    for pid, name, web in (
        ("pacemaker", "Pacemaker", "https://github.com/ClusterLabs/pacemaker"),
        (
            "cluster-glue",
            'Reusable Cluster Components ("glue")',
            "https://github.com/ClusterLabs/cluster-glue",
        ),
        ("lcmc", "LCMC", "https://github.com/rasto/lcmc"),
    ):
        store.save_project(db, pid, name, web, web + "/commit/{sha}")
    pm = [
        _commit(
            "8cc670a4c363" + "0" * 28,
            "High: PE: Ensure role is preserved for unmanaged resources",
            "2011-11-01T10:00:00+00:00",
        ),
        _commit(
            "03da06365dbd" + "0" * 28,
            "Medium: crmd: Cancel timers for actions that were pending on dead nodes (lf#2560)",
            "2011-11-02T10:00:00+00:00",
        ),
    ]
    store.save_commits(db, "pacemaker", unreleased(pm))
    store.save_releases(
        db,
        [
            (Release("pacemaker", "1.0.11", "a" * 40, "2011-05-10T12:00:00+00:00"), None),
            (Release("pacemaker", "1.0.12", "b" * 40, "2011-11-23T12:00:00+00:00"), "1.0.11"),
            (Release("pacemaker", "1.1.7", "c" * 40, "2012-01-03T12:00:00+00:00"), "1.0.12"),
            (Release("cluster-glue", "1.0.9", "d" * 40, "2011-11-27T12:00:00+00:00"), None),
            (Release("lcmc", "1.0.0", "e" * 40, "2011-12-20T12:00:00+00:00"), None),
        ],
    )
    store.save_changelogs(
        db,
        "pacemaker",
        [
            (
                "1.0.11",
                "ChangeLog",
                [(_entry(1, "High: PE: Do not crash on empty constraints"), None, None)],
            ),
            (
                "1.0.12",
                "ChangeLog",
                [
                    (_entry(1, pm[0].subject), pm[0].sha, "subject"),
                    (_entry(2, pm[1].subject), pm[1].sha, "subject"),
                    (
                        _entry(
                            3, "Low: cib: <script>alert('entry')</script> see javascript:alert(3)"
                        ),
                        None,
                        None,
                    ),
                ],
            ),
            (
                "1.1.7",
                "ChangeLog",
                [(_entry(i, line), None, None) for i, line in enumerate(PE_LINES, 1)],
            ),
        ],
    )
    store.save_changelogs(
        db,
        "cluster-glue",
        [
            (
                "1.0.9",
                "ChangeLog",
                [
                    (_entry(1, "stonith: external/ipmi: add missing double quote"), None, None),
                    (
                        _entry(
                            2,
                            "LRM: lrmd: set op status to cancelled for running monitor operations",
                        ),
                        None,
                        None,
                    ),
                ],
            )
        ],
    )
    lcmc = [
        _commit("1" * 40, XSS_SUBJECT + "\n\nbody <script>x</script>", "2011-12-10T10:00:00+00:00"),
        _commit("2" * 40, JS_SUBJECT, "2011-12-11T10:00:00+00:00", ("1" * 40,)),
        _commit("3" * 40, "Merge branch 'x'", "2011-12-12T10:00:00+00:00", ("2" * 40, "1" * 40)),
    ]
    store.save_commits(db, "lcmc", unreleased(lcmc))
    store.set_commit_releases(db, "lcmc", {c.sha: "1.0.0" for c in lcmc})
    store.save_translations(
        db,
        [
            tm_row(
                pm[0].subject,
                "リソースのroleを保持することによってunmanaged状態でも正しく動作します。",
            ),
            tm_row(
                pm[1].subject,
                "停止したノードで保留中の`action`のタイマーを解除します。",
                "rules",
                "machine",
            ),
            tm_row(XSS_SUBJECT, "<script>alert('ja')</script> ビューアのクラッシュを修正"),
        ],
    )
    return db


def good_posts(tmp_path: Path) -> Path:
    posts = tmp_path / "posts"
    posts.mkdir()
    for name in GOOD_POSTS:
        shutil.copy(POSTS / name, posts / name)
    return posts

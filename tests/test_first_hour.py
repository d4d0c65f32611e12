"""The README's first steps, run as written on shadow repositories with lists and feeds refused.

Right after `fetch` the query finds classified changes; the draft (from `draft` and from
`monthly --no-fetch`) starts with the visible failed-sources notice; `site build` refuses it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.first_hour import first_steps, offline_config, refusing_port

NOTICE = "⚠ 取得に失敗したソースがあります: "


def run(step: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """One README command (`.venv/bin/digest ...`) run with this interpreter, in `cwd`."""
    assert step[0] == ".venv/bin/digest", step
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(cwd)}
    env.pop("DIGEST_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "digest", *step[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_readme_first_steps_work_as_written(tmp_path, shadow_repos):
    mirrors = {name: shadow_repos(name) for name in ("cluster-glue", "crmsh")}
    config = offline_config(tmp_path, mirrors, refusing_port())
    steps = first_steps()
    assert [s[1] for s in steps] == ["fetch", "query", "draft", "site", "monthly"]
    assert "--no-fetch" in steps[-1]
    results = {step[1]: run(step, tmp_path) for step in steps}

    fetched = results["fetch"]
    assert fetched.returncode == 1  # every list and feed was refused
    warnings = [line for line in fetched.stderr.splitlines() if line.startswith("warning: ")]
    sources = yaml.safe_load(config.read_text(encoding="utf-8"))
    expected = len(sources["lists"]) + len(sources["feeds"])
    assert len(warnings) == expected and all("Connection refused" in w for w in warnings)
    assert "Traceback" not in fetched.stderr
    assert (
        " 0 new commits" not in fetched.stdout
        and f"; {expected} failed; classified " in fetched.stdout
    )

    query = results["query"]
    assert query.returncode == 0, query.stderr
    lines = query.stdout.splitlines()
    assert lines[0].split()[:3] == ["date", "project", "release"]
    assert len(lines) > 2 and all("cluster-glue" in line for line in lines[1:-1] if line[:1] == "2")
    assert "changes match (" in lines[-1] or " shown (--limit 50;" in lines[-1]

    draft = results["draft"]
    assert draft.returncode == 0, draft.stderr
    post = Path(draft.stdout.strip())
    assert post == config.parent / "var" / "drafts" / "2011-12-02-monthly-digest-december.md"
    text = post.read_text(encoding="utf-8")
    assert text.split("---\n", 2)[2].startswith(f"**{NOTICE}users, developers, pacemaker, ")
    assert '("glue") 1.0.9**' in text

    site = results["site"]
    assert site.returncode == 1
    assert "still carries the failed-sources notice" in site.stderr

    monthly = results["monthly"]
    assert monthly.returncode == 0, monthly.stderr
    assert NOTICE in post.read_text(encoding="utf-8")

"""First-hour benchmark: `digest monthly` on the shipped sources.yaml with no network at all.

Runs the real command in a copy of the checkout's sources.yaml, inside `unshare -rn` (a
network namespace with no interfaces: every host is unresolvable, as on an offline machine);
without unshare, every URL is pointed at a `.invalid` host instead. Prints the wall time, the
failed sources and their warning lines, and, as the baseline measured in the same run, the
same command with the old policy (lists and feeds one after another, a refused or
unresolvable connection retried with the full 1-2-4 s backoff).

    .venv/bin/python bench/first_hour.py [--no-baseline] [--month 2011-11]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OLD_POLICY = (
    "import sys; import digest.sources.http as h; import digest.fetch.concurrent as c; "
    "h.CONNECT_ATTEMPTS = 99; h.CONNECT_DELAY = 1e9; c.run_concurrently.__defaults__ = (1,); "
    "from digest.cli import main; main(sys.argv[1:], prog_name='digest')"
)


def isolated() -> list[str]:
    """`unshare -rn` when this machine allows it (no network inside), else nothing."""
    if shutil.which("unshare") and not subprocess.run(["unshare", "-rn", "true"]).returncode:
        return ["unshare", "-rn"]
    return []


def offline_copy(dest: Path, unshared: bool) -> Path:
    """The shipped sources.yaml in `dest`; without a namespace, URLs go to `.invalid` hosts."""
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))
    if not unshared:
        for project in doc["projects"]:
            for source in project["sources"]:
                source["url"] = f"https://{source['id']}.invalid/repo.git"
        for item in doc.get("lists", []) + doc.get("feeds", []):
            item["url"] = f"https://{item['id']}.invalid/"
    path = dest / "sources.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def timed_monthly(prefix: list[str], code: list[str], month: str) -> tuple[float, list[str], int]:
    """Seconds, warning lines and exit status of one offline `digest monthly` in a fresh dir."""
    with tempfile.TemporaryDirectory(prefix="digest-first-hour-") as tmp:
        config = offline_copy(Path(tmp), unshared=bool(prefix))
        cmd = [*prefix, sys.executable, *code, "--config", str(config), "monthly", "--month", month]
        started = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        seconds = time.monotonic() - started
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    return seconds, warnings, proc.returncode


def main() -> None:
    """Time the offline monthly run now and (unless --no-baseline) with the old policy."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--month", default="2011-11")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    prefix = isolated()
    how = "unshare -rn: no network" if prefix else "every host .invalid"
    now, warnings, status = timed_monthly(prefix, ["-m", "digest"], args.month)
    print(f"offline monthly ({how}): {now:.1f} s, exit {status}, {len(warnings)} warning lines")
    for line in warnings:
        print(f"  {line[:110]}")
    if args.no_baseline:
        return
    before, old_warnings, _ = timed_monthly(prefix, ["-c", OLD_POLICY], args.month)
    print(
        f"baseline (sequential lists/feeds, full backoff on refused connections): {before:.1f} s, "
        f"{len(old_warnings)} warning lines; now/baseline = {now / before:.2f} "
        f"({before / now:.1f}x faster)"
    )


if __name__ == "__main__":
    main()

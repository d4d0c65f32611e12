"""How well do paths and keywords find the component when the explicit prefix is hidden?

For every commit of ../shared/upstream/NAME.commits.jsonl.gz whose subject carries an explicit
component prefix ("High: PE: ...", "Fix: fencer: ..."), the prefix gives the truth; the prefix is
then removed and the change classified again from the remaining text and the touched paths.
A prediction is right when its main component (rolled up to its parent) is one of the components
the prefix named. Prints accuracy overall and for the five core components per project, the
precision of the core predictions, which rule decided, and the share of all commits (prefix
visible) that stay "other".

For the rest of the stack (corosync, resource-agents, fence-agents, sbd, booth, drbd-utils) it
also prints the leaf accuracy: the predicted component itself must be one the prefix named (an
agent, not just "some agent"). `--split dev|test` keeps half of the commits by their sha (dev:
even first 32 bits, test: odd): rules are tuned on dev, figures are reported on test.

    .venv/bin/python bench/classify_eval.py [--project NAME ...] [--misses N] [--split test]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.classify import classify, parse_prefix, path_scores  # noqa: E402
from digest.taxonomy import Taxonomy, load_taxonomy  # noqa: E402

UPSTREAM = ROOT.parent / "shared" / "upstream"
FIVE = ["pacemaker", "pacemaker-1.0", "cluster-glue", "crmsh", "lcmc"]
STACK = ["corosync", "resource-agents", "fence-agents", "sbd", "booth", "drbd-utils"]
PROJECTS = FIVE + STACK
CORE = ["cib", "crmd", "PE", "lrmd", "stonith"]
TARGET = 0.90
TARGET_PROJECTS = {"pacemaker", "pacemaker-1.0"}


@dataclass
class Tally:
    """Counts for one project."""

    commits: int = 0
    other: int = 0
    prefixed: int = 0
    correct: int = 0
    leaf: int = 0
    core_total: Counter[str] = field(default_factory=Counter)
    core_right: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    predicted_right: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    seconds: float = 0.0


def commits(project: str) -> Iterator[dict]:
    """The commits of one upstream project, as stored in ../shared."""
    with gzip.open(UPSTREAM / f"{project}.commits.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def in_split(sha: str, split: str) -> bool:
    """Whether a commit belongs to the dev half, the test half, or (all) both."""
    return split == "all" or (int(sha[:8], 16) % 2 == 0) == (split == "dev")


def evaluate(project: str, tax: Taxonomy, keep_misses: int, split: str = "all") -> Tally:
    """Run the hidden-prefix evaluation over one project's history."""
    tally = Tally()
    repo = f"https://github.com/ClusterLabs/{project}"
    started = time.perf_counter()
    for commit in commits(project):
        if not in_split(commit["sha"], split):
            continue
        message = commit["message"]
        paths = [f[2] for f in commit["files"]]
        date = commit["author_date"]
        tally.commits += 1
        full = classify(project, message, paths, date=date, repo_url=repo, taxonomy=tax)
        if not full.components:
            tally.other += 1
        subject, _, body = message.strip().partition("\n")
        prefix = parse_prefix(tax, project, subject, date=date, scores=path_scores(project, paths))
        if not prefix.components:
            continue
        hidden = f"{prefix.rest}\n{body}"
        guess = classify(project, hidden, paths, date=date, repo_url=repo, taxonomy=tax)
        _count(tally, tax, prefix.components, guess.component, guess.rule)
        if keep_misses and len(tally.misses) < keep_misses:
            truth = {tax.root(c) for c in prefix.components}
            core = truth & set(CORE) or project in STACK
            if guess.component not in prefix.components and core:
                tally.misses.append(
                    f"{commit['sha'][:10]} {subject[:70]!r} {prefix.components} -> {guess.rule}"
                )
    tally.seconds = time.perf_counter() - started
    return tally


def _count(tally: Tally, tax: Taxonomy, truth: tuple[str, ...], guess: str, rule: str) -> None:
    roots = {tax.root(c) for c in truth}
    predicted = tax.root(guess) if guess in tax.components else guess
    right = predicted in roots
    tally.prefixed += 1
    tally.correct += right
    tally.leaf += guess in truth
    tally.rules[rule.split(":")[0].split(" (")[0]] += 1
    for core in CORE:
        if core in roots:
            tally.core_total[core] += 1
            tally.core_right[core] += right
    if predicted in CORE:
        tally.predicted[predicted] += 1
        tally.predicted_right[predicted] += right


def report(project: str, tally: Tally) -> bool:
    """Print one project's figures; True when the core target is met (or does not apply)."""
    total = sum(tally.core_total.values())
    right = sum(tally.core_right.values())
    core_acc = right / total if total else 0.0
    print(f"\n== {project}: {tally.commits} commits classified in {tally.seconds:.1f}s")
    print(f"  left as 'other' (prefix visible): {tally.other / tally.commits:.1%}")
    print(
        f"  prefixed commits: {tally.prefixed}; hidden-prefix accuracy, all components: "
        f"{tally.correct / max(tally.prefixed, 1):.1%}"
    )
    if project in STACK:
        print(f"  leaf accuracy (the component itself): {tally.leaf / max(tally.prefixed, 1):.1%}")
    print("  decided by: " + ", ".join(f"{k} {v}" for k, v in tally.rules.most_common()))
    print(f"  {'component':<10} {'commits':>8} {'accuracy':>9} {'predicted':>10} {'precision':>10}")
    for core in CORE:
        n, ok = tally.core_total[core], tally.core_right[core]
        p, pok = tally.predicted[core], tally.predicted_right[core]
        acc = f"{ok / n:.1%}" if n else "-"
        prec = f"{pok / p:.1%}" if p else "-"
        print(f"  {core:<10} {n:>8} {acc:>9} {p:>10} {prec:>10}")
    shown = f"{core_acc:.1%}" if total else "-"
    print(f"  {'core five':<10} {total:>8} {shown:>9}")
    for miss in tally.misses:
        print(f"    miss {miss}")
    return project not in TARGET_PROJECTS or core_acc >= TARGET


def main() -> int:
    """Evaluate the chosen projects and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", choices=PROJECTS)
    parser.add_argument("--misses", type=int, default=0, help="show N core misses per project")
    parser.add_argument("--split", choices=["all", "dev", "test"], default="all")
    args = parser.parse_args()
    if not (UPSTREAM / "pacemaker.commits.jsonl.gz").exists():
        print(f"upstream history not found at {UPSTREAM}; nothing to measure")
        return 0
    tax = load_taxonomy()
    met = True
    print(f"commits: {args.split}")
    for project in args.project or PROJECTS:
        if not (UPSTREAM / f"{project}.commits.jsonl.gz").exists():
            print(f"\n== {project}: no history in {UPSTREAM}; skipped")
            continue
        met &= report(project, evaluate(project, tax, args.misses, args.split))
    print(f"\ntarget: >= {TARGET:.0%} on the core five for {', '.join(sorted(TARGET_PROJECTS))}:")
    print("  met" if met else "  NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

"""The classifier on the real upstream history in ../shared (skipped when it is absent)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator

import pytest

from digest.classify import classify, parse_prefix, path_scores
from digest.taxonomy import load_taxonomy
from tests.conftest import UPSTREAM, require_shared

CORE = ("cib", "crmd", "PE", "lrmd", "stonith")


def history(project: str, every: int = 1) -> Iterator[dict]:
    require_shared()
    with gzip.open(UPSTREAM / f"{project}.commits.jsonl.gz", "rt", encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i % every == 0:
                yield json.loads(line)


def hidden_prefix_accuracy(project: str, every: int) -> dict[str, float]:
    """Per core component: share of prefixed commits found again with the prefix hidden."""
    tax = load_taxonomy()
    total, right = Counter(), Counter()
    for commit in history(project, every):
        paths = [f[2] for f in commit["files"]]
        subject, _, body = commit["message"].strip().partition("\n")
        date = commit["author_date"]
        prefix = parse_prefix(tax, project, subject, date=date, scores=path_scores(project, paths))
        truth = {tax.root(c) for c in prefix.components} & set(CORE)
        if not truth:
            continue
        guess = classify(project, f"{prefix.rest}\n{body}", paths, date=date).component
        for core in truth:
            total[core] += 1
            right[core] += guess in tax.components and tax.root(guess) in truth
    return {core: right[core] / total[core] for core in total}


@pytest.mark.parametrize(("project", "every"), [("pacemaker", 3), ("pacemaker-1.0", 1)])
def test_paths_and_keywords_find_the_core_components_again(project, every):
    accuracy = hidden_prefix_accuracy(project, every)
    assert set(accuracy) == set(CORE)
    assert min(accuracy.values()) >= 0.88, accuracy
    assert sum(accuracy.values()) / len(accuracy) >= 0.9, accuracy


@pytest.mark.parametrize("project", ["pacemaker", "pacemaker-1.0", "cluster-glue", "crmsh", "lcmc"])
def test_few_changes_are_left_as_other(project):
    commits = list(history(project, every=5))
    other = sum(
        1
        for c in commits
        if not classify(
            project, c["message"], [f[2] for f in c["files"]], date=c["author_date"]
        ).components
    )
    assert other / len(commits) < 0.06

"""Path rules grouped by literal prefix choose what one scan of every rule, in order, chooses."""

from __future__ import annotations

import re

import pytest

from digest.taxonomy import PathRule, _compile_matcher, _specificity, glob_to_regex, load_taxonomy

PROJECTS = sorted({p for p in load_taxonomy().path_rules if p != "*"})


def first_rule(compiled: list[tuple[re.Pattern[str], PathRule]], path: str) -> PathRule | None:
    """The naive answer: the first rule, most specific first, whose pattern matches."""
    return next((rule for regex, rule in compiled if regex.match(path)), None)


def sample_paths(rules: tuple[PathRule, ...]) -> list[str]:
    """Paths written from the rules' own patterns, plus paths no rule names."""
    paths = ["README", "x/y/z.c", "heartbeat", "doc/", ""]
    for rule in rules:
        concrete = rule.pattern.replace("**/", "a/b/").replace("*", "x").replace("?", "y")
        paths += [concrete, concrete + "x.c", concrete.rsplit("/", 1)[0] + "/other.py"]
    return paths


@pytest.mark.parametrize("project", PROJECTS)
def test_grouped_rules_choose_what_a_full_scan_chooses(project: str) -> None:
    matcher = load_taxonomy().matcher(project)
    compiled = [(re.compile(glob_to_regex(r.pattern)), r) for r in matcher.rules]
    for path in sample_paths(matcher.rules):
        assert matcher.match(path) == first_rule(compiled, path), path


def test_a_more_specific_rule_with_a_shorter_prefix_wins() -> None:
    rules = [
        PathRule("src/a**", "broad", 1.0, _specificity("src/a**")),
        PathRule(
            "src/*/very_long_literal_name.c",
            "narrow",
            1.0,
            _specificity("src/*/very_long_literal_name.c"),
        ),
    ]
    matcher = _compile_matcher(rules)
    found = matcher.match("src/abc/very_long_literal_name.c")
    assert found is not None and found.component == "narrow"
    assert matcher.match("src/abc/other.c").component == "broad"

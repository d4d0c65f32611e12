"""data/components.yaml: what it must hold, and errors that name the file and the key."""

from __future__ import annotations

import pytest

from digest.classify import classify
from digest.errors import ConfigError
from digest.taxonomy import load_taxonomy

CORE = {"cib", "crmd", "PE", "lrmd", "stonith"}
MINIMAL = """
prefixes:
  high: {severity: High, kind: fix}
components:
  alpha:
    title: Alpha
    aliases: [a]
    paths:
      demo: [alpha/]
"""


def load(tmp_path, text):
    path = tmp_path / "components.yaml"
    path.write_text(text, encoding="utf-8")
    return load_taxonomy(path)


def error(tmp_path, text) -> str:
    with pytest.raises(ConfigError) as exc:
        load(tmp_path, text)
    return str(exc.value)


def test_the_shipped_taxonomy_has_the_five_core_components():
    tax = load_taxonomy()
    assert {c.name for c in tax.components.values() if c.core} == CORE
    assert tax.root("stonith-plugins") == "stonith"
    assert tax.root("remote") == "lrmd"


def test_the_canonical_names_are_aliases_of_themselves():
    tax = load_taxonomy()
    for name in CORE:
        assert [a.component for a in tax.aliases(name, "pacemaker", "2020-01-01")] == [name]


def test_a_minimal_taxonomy_classifies(tmp_path):
    tax = load(tmp_path, MINIMAL)
    assert classify("demo", "High: a: x", taxonomy=tax).components == ("alpha",)
    assert classify("demo", "x", ["alpha/a.c"], taxonomy=tax).components == ("alpha",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("components: [\n", "components.yaml:2: invalid YAML"),
        ("prefixes: {}\ncomponents: {}\n", "components.yaml: components: missing or not a dict"),
        (
            MINIMAL.replace("title: Alpha", "parent: beta\n    title: Alpha"),
            "components.yaml: components.alpha.parent: unknown component",
        ),
        (
            MINIMAL.replace("aliases: [a]", "aliases: [{name: a, since: soon}]"),
            "components.yaml: components.alpha.aliases[0].since: 'soon' is not a date",
        ),
        (
            MINIMAL.replace("aliases: [a]", "aliases: [a]\n    keywords: ['(']"),
            "components.yaml: components.alpha.keywords[0]: invalid regular expression",
        ),
        (
            MINIMAL.replace("demo: [alpha/]", "demo: [{alpha/: -1}]"),
            "components.alpha.paths.demo[0]: must be a pattern or {pattern: weight}",
        ),
        (
            MINIMAL.replace("high: {severity: High, kind: fix}", "high: {}"),
            "components.yaml: prefixes.high: needs a severity or a kind",
        ),
        (
            MINIMAL + "settings:\n  paths: {spread_to: nowhere}\n",
            "components.yaml: settings.paths.spread_to: unknown component",
        ),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path, text, message):
    assert message in error(tmp_path, text)


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match=r"nothing\.yaml: cannot read"):
        load_taxonomy(tmp_path / "nothing.yaml")

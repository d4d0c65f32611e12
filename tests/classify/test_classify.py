"""The classifier: explicit prefixes, aliases across eras, paths, keywords, severity and kind."""

from __future__ import annotations

import re

import pytest

from digest.classify import Classification, classify, parse_prefix, strip_prefix
from digest.taxonomy import ANY_PROJECT, Alias, Taxonomy, load_taxonomy

PCMK = "pacemaker"


def sample_date(alias: Alias) -> str | None:
    """A day on which an alias was in use."""
    return alias.since or alias.until


def sample_project(tax: Taxonomy, alias: Alias) -> str:
    """A project in which an alias is used."""
    if alias.projects:
        return alias.projects[0]
    component = tax.components[alias.component]
    return component.projects[0] if component.projects else PCMK


def sample_token(alias: Alias) -> str:
    """The alias as someone would write it: globs get a concrete name."""
    return alias.name.replace("*", "x").replace("?", "x")


def supporting_path(tax: Taxonomy, component: str, project: str) -> str | None:
    """A path the project's rules give to the component (to settle ambiguous aliases)."""
    matcher = tax.matcher(project)
    rules = tax.path_rules.get(project, ()) + tax.path_rules.get(ANY_PROJECT, ())
    for rule in rules:
        if rule.component != component:
            continue
        path = rule.pattern.replace("**/", "").replace("*", "x")
        path = path + "x.c" if path.endswith("/") else path
        found = matcher.match(path)
        if found and found.component == component:
            return path
    return None


def all_aliases() -> list[Alias]:
    tax = load_taxonomy()
    return [alias for c in tax.components.values() for alias in c.aliases]


@pytest.mark.parametrize("alias", all_aliases(), ids=lambda a: f"{a.component}:{a.name}")
def test_every_alias_resolves_to_its_component_when_the_prefix_is_visible(alias):
    tax = load_taxonomy()
    project, date = sample_project(tax, alias), sample_date(alias)
    token = sample_token(alias)
    named = {a.component for a in tax.aliases(token, project, date)}
    paths = []
    if len(named) > 1:
        path = supporting_path(tax, alias.component, project)
        assert path, f"'{token}' names {sorted(named)}: no path rule to settle it"
        paths = [path]
    result = classify(project, f"High: {token}: fix something", paths, date=date)
    assert result.components[0] == alias.component
    assert result.rule.startswith("prefix")
    assert result.severity == "High"


@pytest.mark.parametrize(
    ("text", "component", "severity", "kind"),
    [
        ("High: PE: Bug lf#2587 - Fix colocation", "PE", "High", "fix"),
        ("Medium: crmd: Fast-track shutdown", "crmd", "Medium", "fix"),
        ("Med: controld: fix possible NULL pointer dereference", "crmd", "Medium", "fix"),
        ("Mid: controld: Avoiding Broken pipe when shutdown.", "crmd", "Medium", "fix"),
        ("Low: libcrmcommon: tidy", "core", "Low", "fix"),
        ("Fix: scheduler: handle clones", "PE", None, "fix"),
        ("Feature: fencer: watchdog fencing", "stonith", None, "feature"),
        ("API: libstonithd: new call", "stonith", None, "api"),
        ("Dev: executor: internal helper", "lrmd", None, "dev"),
        ("Refactor: based: rename", "cib", None, "refactor"),
        ("Build: configure: detect gnutls", "build", None, "build"),
        ("Build: add a spec file", "build", None, "build"),
        ("Doc: Pacemaker Explained: new chapter", "doc", None, "doc"),
        ("Test: cts-fencing: new test", "stonith", None, "test"),
        ("Test: cts-scheduler: update outputs", "PE", None, "test"),
        ("Log: pacemaker-attrd: quieter", "attrd", None, "log"),
        ("Dev: bootstrap: Call join_sbd before changing corosync.conf", "bootstrap", None, "dev"),
        ("Chore: unittests: reduce output verbosity", "tests", None, "refactor"),
        ("high: ui: Fix argument check", "shell", "High", "fix"),
    ],
)
def test_severity_kind_and_component_from_the_prefix(text, component, severity, kind):
    project = "crmsh" if re.search(r"bootstrap|unittests|\bui\b", text) else PCMK
    result = classify(project, text, date="2020-01-01")
    assert (result.component, result.severity, result.kind) == (component, severity, kind)


@pytest.mark.parametrize(
    ("line", "components"),
    [
        ("* **fencer:** Improve validation of `pcmk_host_map`", ("stonith",)),
        ("* **libcib, tools:** Empty CIB contains `admin_epoch`", ("cib", "tools")),
        ("  + pengine: Bug cl#5038 - Prevent restart of anonymous clones", ("PE",)),
        ("- Dev: sbd: Compare SBD device UUID optionally", ("sbd",)),
        ("* Medium: stonith: external/vcenter: replace experimental smartmatch", None),
        ("[3.0] Fix: liblrmd: Don't leak", ("lrmd",)),
        ("Refactor: libpe_status,libpe_rules: move code", ("PE",)),
        ("Low: tools: crm: fix help", ("shell",)),
        ('Revert "High: PE: Ignore the resource"', ("PE",)),
    ],
)
def test_changelog_bullets_markdown_and_lists(line, components):
    project = "crmsh" if "sbd" in line else PCMK
    project = "cluster-glue" if "vcenter" in line else project
    result = classify(project, line, date="2011-06-01")
    if components is None:
        assert result.components == ("stonith", "stonith-plugins")
        assert result.severity == "Medium"
    else:
        assert result.components == components


def test_a_revert_keeps_the_component_and_says_revert():
    result = classify(PCMK, 'Revert "High: PE: Ignore the resource"')
    assert (result.component, result.kind) == ("PE", "revert")


def test_a_merged_pull_request_is_classified_by_its_title():
    text = "Merge pull request #4140 from Jazyy/main\n\nlibcrmcommon: Use pcmk__assert_alloc()"
    result = classify(PCMK, text, repo_url="https://github.com/ClusterLabs/pacemaker")
    assert result.components == ("core",)
    assert result.kind == "merge"
    assert result.tickets[0].url == "https://github.com/ClusterLabs/pacemaker/pull/4140"


def test_controld_was_a_resource_agent_before_the_2018_daemon_renames():
    before = classify(PCMK, "Fix: controld: Use the correct dlm_controld", date="2013-11-11")
    after = classify(PCMK, "Log: controld: Show action timer", date="2020-07-11")
    assert before.component == "agents"
    assert after.component == "crmd"


def test_an_alias_in_use_by_two_components_is_settled_by_the_paths():
    ra = classify(PCMK, "Low: controld: update for OCF 1.1", ["extra/resources/controld.in"])
    daemon = classify(PCMK, "Low: controld: fix leak", ["daemons/controld/controld_fsa.c"])
    assert (ra.component, daemon.component) == ("agents", "crmd")
    library = classify(
        PCMK, "Fix: xml: Prevent use of NULL", ["lib/common/xml.c"], date="2014-01-01"
    )
    schema = classify(PCMK, "Low: xml: relax a rule", ["xml/constraints.rng"], date="2014-01-01")
    assert (library.component, schema.component) == ("core", "schemas")


def test_crm_meant_the_shell_from_2008_to_2012_and_an_alias_is_limited_to_its_projects():
    assert classify(PCMK, "High: crm: Avoid loop", date="2009-02-27").component == "shell"
    assert classify(PCMK, "Low: crm: Fix argument order", date="2020-03-10").component == "core"
    assert classify("lcmc", "crm: show constraints", date="2012-01-01").component == "crm-gui"
    assert classify(PCMK, "Dev: bootstrap: x", date="2020-01-01").components == ()


def test_paths_decide_by_weighted_majority():
    paths = ["pengine/native.c", "pengine/allocate.c", "crmd/lrm.c"]
    result = classify(PCMK, "Make things better", paths)
    assert result.components == ("PE", "crmd")
    assert result.rule.startswith("paths: PE 67%")


def test_build_and_doc_files_weigh_less_than_code():
    result = classify(PCMK, "Make things better", ["configure.ac", "Makefile.am", "fencing/main.c"])
    assert result.component == "stonith"


def test_the_most_specific_path_rule_wins():
    assert classify(PCMK, "x", ["lib/pacemaker/pcmk_sched_colocation.c"]).component == "PE"
    assert classify(PCMK, "x", ["lib/pacemaker/pcmk_status.c"]).component == "tools"
    assert classify(PCMK, "x", ["cts/scheduler/xml/bug-1.xml"]).component == "PE"
    assert classify(PCMK, "x", ["cts/lab/CTStests.py"]).component == "cts"


def test_path_rules_are_per_project():
    assert classify("cluster-glue", "x", ["lib/plugins/stonith/ipmilan.c"]).components == (
        "stonith-plugins",
        "stonith",
    )
    assert classify("cluster-glue", "x", ["lrm/lrmd/lrmd.c"]).component == "lrmd"
    assert classify("crmsh", "x", ["crmsh/bootstrap.py"]).component == "bootstrap"


def test_a_change_spread_over_many_components_is_a_library_change():
    paths = ["daemons/attrd/a.c", "daemons/controld/b.c", "daemons/fenced/c.c", "daemons/based/d.c"]
    result = classify(PCMK, "Use the new helper everywhere", paths)
    assert result.components == ("core",)
    assert result.rule.startswith("paths: spread")


def test_keywords_decide_when_nothing_else_does():
    result = classify(PCMK, "Prevent unfencing of nodes with fence_scsi")
    assert result.component == "stonith"
    assert result.rule.startswith("keywords")


def test_keywords_choose_among_the_components_the_paths_named():
    paths = ["daemons/fenced/fenced_commands.c", "daemons/controld/controld_fsa.c"]
    result = classify(PCMK, "Fix the DC election timer", paths)
    assert result.component == "crmd"


def test_nothing_known_is_other():
    result = classify(PCMK, "Update", [])
    assert result == Classification((), None, "change", (), "other")
    assert result.component == "other"


@pytest.mark.parametrize(
    ("text", "paths", "kind"),
    [
        ("Merge branch 'devel'", [], "merge"),
        ("Add a --wait option", ["tools/crm_resource.c"], "feature"),
        ("Avoid a crash on shutdown", ["crmd/control.c"], "fix"),
        ("Update the schema documentation", ["doc/foo.txt"], "doc"),
        ("Whatever", ["cts/scheduler/exp/a.exp", "cts/scheduler/dot/a.dot"], "test"),
        ("Bump libtool versions", ["configure.ac"], "build"),
    ],
)
def test_kind_without_a_prefix_word(text, paths, kind):
    assert classify(PCMK, text, paths).kind == kind


def test_the_changelog_section_gives_the_kind_of_an_entry():
    assert classify(PCMK, "* **tools:** New option", section="features").kind == "feature"
    assert classify(PCMK, "* **tools:** Old option", section="removed").kind == "api"
    assert classify(PCMK, "+ crmd: Fenced nodes", section="fixes").kind == "fix"
    assert classify(PCMK, "+ High: crmd: x", section="features").kind == "fix"


def test_strip_prefix_hides_the_explicit_prefix():
    text = "High: PE: Bug lf#2587 - Fix colocation\n\nbody"
    assert strip_prefix(PCMK, text) == "Bug lf#2587 - Fix colocation\nbody"
    assert strip_prefix(PCMK, "Add things: more") == "Add things: more"


def test_parse_prefix_stops_at_the_first_word_that_is_not_a_prefix():
    tax = load_taxonomy()
    prefix = parse_prefix(tax, PCMK, "Low: PE: native: fix it")
    assert prefix.components == ("PE",)
    assert prefix.rest == "native: fix it"
    assert parse_prefix(tax, PCMK, "See http://example.org: here").components == ()

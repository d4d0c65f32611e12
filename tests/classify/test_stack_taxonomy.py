"""Components of the rest of the stack: per-agent members, prefixes first, then paths."""

from __future__ import annotations

import pytest

from digest.classify import classify
from digest.errors import ConfigError
from digest.taxonomy import load_taxonomy

MEMBERS = """
prefixes:
  high: {severity: High, kind: fix}
components:
  agents:
    title: Agents
    members:
      title: '{name} agent'
      projects: [demo]
      prefix: fence_
      paths: ['agents/{short}/', {'meta/{name}.xml': 0.1}]
      names: [fence_a, {fence_b: ['lib/b_helper.py']}]
"""


def load(tmp_path, text):
    path = tmp_path / "components.yaml"
    path.write_text(text, encoding="utf-8")
    return load_taxonomy(path)


def test_members_become_child_components_with_their_paths(tmp_path):
    tax = load(tmp_path, MEMBERS)
    assert list(tax.components) == ["agents", "fence_a", "fence_b"]
    b = tax.components["fence_b"]
    assert (b.title, b.parent, b.projects) == ("fence_b agent", "agents", ("demo",))
    rules = {(r.pattern, r.weight) for r in tax.path_rules["demo"] if r.component == "fence_b"}
    assert rules == {("agents/b/", 1.0), ("meta/fence_b.xml", 0.1), ("lib/b_helper.py", 1.0)}
    assert classify("demo", "x", ["agents/a/fence_a.py"], taxonomy=tax).component == "fence_a"
    assert classify("demo", "fence_b: y", taxonomy=tax).component == "fence_b"
    assert classify("other", "fence_b: y", taxonomy=tax).components == ()


def test_a_member_named_like_a_component_is_an_error(tmp_path):
    text = MEMBERS.replace("names: [fence_a,", "names: [agents,")
    with pytest.raises(ConfigError, match=r"components\.agents\.members: 'agents' is already"):
        load(tmp_path, text)


@pytest.mark.parametrize(
    ("project", "subject", "paths", "component"),
    [
        ("resource-agents", "Filesystem: new force_unmount=move option", [], "Filesystem"),
        ("resource-agents", "fix grep", ["heartbeat/IPaddr2"], "IPaddr2"),
        ("resource-agents", "doc curl", ["heartbeat/http-mon.sh"], "apache"),
        ("resource-agents", "ocf-shellfuncs: add ocf_log_pipe", [], "ocf-shellfuncs"),
        ("fence-agents", "fence_ipmilan: Add ipmitool timeout", [], "fence_ipmilan"),
        ("fence-agents", "x", ["agents/ipmilan/fence_ipmilan.py"], "fence_ipmilan"),
        ("fence-agents", "fencing: add plug_separator", [], "fencing-lib"),
        ("fence-agents", "x", ["lib/fencing.py.py"], "fencing-lib"),
        ("corosync", "totem: fix token timeout", [], "totem"),
        ("corosync", "x", ["exec/totemknet.c"], "knet"),
        ("corosync", "cpg: Fix inconsistent union access warning", ["lib/cpg.c"], "cpg"),
        ("corosync", "votequorum: fix", [], "quorum"),
        ("corosync", "x", ["exec/objdb.c"], "cmap"),
        ("corosync", "logsys: x", [], "logging"),
        ("sbd", "x", ["src/sbd-md.c"], "sbd-disk"),
        ("sbd", "x", ["src/sbd-pacemaker.c"], "sbd-cluster"),
        ("booth", "Medium: raft: preserve term", [], "booth-ticket"),
        ("booth", "x", ["src/transport.c"], "booth-transport"),
        ("drbd-utils", "drbdadm: fix adjust", [], "drbdadm"),
        ("drbd-utils", "x", ["user/v9/drbdmeta.c"], "drbdmeta"),
        ("drbd-utils", "x", ["user/v84/drbdsetup.c"], "drbdsetup"),
    ],
)
def test_stack_components(project, subject, paths, component):
    assert classify(project, subject, paths).component == component


def test_the_five_keep_their_names():
    assert classify("pacemaker", "cpg: x", ["lib/cluster/cpg.c"]).component == "cluster"
    assert classify("cluster-glue", "ocf-shellfuncs: x").component == "agents"

"""Release announcements in the variants upstream really uses (issue 12), each tested."""

from __future__ import annotations

import pytest

from digest.config import load_config
from digest.fetch.announcements import detect_feed_release, detect_release, project_names
from digest.models import FeedEntry
from tests.conftest import ROOT

NAMES = project_names(load_config(ROOT / "sources.yaml").projects)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Reusable Cluster Components (glue) 1.0.9", ("cluster-glue", "1.0.9")),
        ('Reusable Cluster Components ("glue") 1.0.9', ("cluster-glue", "1.0.9")),
        ("[Linux-HA] Reusable Cluster Components (glue) 1.0.9 released", ("cluster-glue", "1.0.9")),
        ("[ClusterLabs] Pacemaker 3.0.1 final release now available", ("pacemaker", "3.0.1")),
        ("crmsh 5.0.0 released", ("crmsh", "5.0.0")),
        ("[ClusterLabs] crmsh 5.0.0 released", ("crmsh", "5.0.0")),
        ("[ClusterLabs] Pacemaker 3.0.1-rc1 now available", ("pacemaker", "3.0.1-rc1")),
        ("[ClusterLabs] crmsh 5.0.0-rc2 released", ("crmsh", "5.0.0-rc2")),
        (
            "[ClusterLabs] Third release candidate of Pacemaker 3.0.1 now available",
            ("pacemaker", "3.0.1-rc3"),
        ),
        ("[ClusterLabs] Pacemaker 3.0.1 release candidate 2 available", ("pacemaker", "3.0.1-rc2")),
        # an rc whose number cannot be told is not taken for the final
        ("[ClusterLabs] Pacemaker 3.0.1 release candidate now available", None),
        # seed-era variants keep working
        ("[Pacemaker] [ANNOUNCE] Pacemaker 1.0.12 released", ("pacemaker-1.0", "1.0.12")),
        ("[Pacemaker] glue 1.0.9 release", ("cluster-glue", "1.0.9")),
        ("Re: [ClusterLabs] Pacemaker 3.0.1 final release now available", None),
    ],
)
def test_announcement_subjects(subject, expected):
    assert detect_release(subject, NAMES) == expected


def feed(title: str, link: str | None = None) -> FeedEntry:
    return FeedEntry("id", title, link, "2025-08-07T12:00:00+00:00", None, "")


@pytest.mark.parametrize(
    ("title", "link", "project", "expected"),
    [
        ("Pacemaker-3.0.1", None, "pacemaker", ("pacemaker", "3.0.1")),
        ("Pacemaker-3.0.1-rc1", None, "pacemaker", ("pacemaker", "3.0.1-rc1")),
        ("v5.0.0", None, "crmsh", ("crmsh", "5.0.0")),
        (
            "v5.0.0",
            "https://github.com/ClusterLabs/crmsh/releases/tag/5.0.0",
            "crmsh",
            ("crmsh", "5.0.0"),
        ),
        ("5.0.0-rc2", None, "crmsh", ("crmsh", "5.0.0-rc2")),
    ],
)
def test_github_release_feed_titles(title, link, project, expected):
    assert detect_feed_release(feed(title, link), NAMES, (project,)) == expected

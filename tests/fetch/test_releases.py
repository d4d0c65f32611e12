"""Release predecessors: finals follow finals on their series, pre-releases follow anything."""

from __future__ import annotations

from digest.fetch.releases import is_prerelease, predecessors
from digest.models import Release


def releases(*versions: str) -> list[Release]:
    """Releases of one project, in the order given (predecessors sorts them itself)."""
    return [Release("p", v, f"sha-{v}", "2020-01-01", v, is_prerelease(v)) for v in versions]


def test_predecessors_across_series_and_release_candidates() -> None:
    found = predecessors(
        releases("2.0.0", "1.1.0", "1.0.2", "1.0.1", "1.0.1-rc1", "1.0.0", "2.0.0-rc1", "1.1.0-rc1")
    )
    assert found == {
        "1.0.0": None,
        "1.0.1-rc1": "1.0.0",
        "1.0.1": "1.0.0",
        "1.0.2": "1.0.1",
        "1.1.0-rc1": "1.0.2",
        "1.1.0": "1.0.2",
        "2.0.0-rc1": "1.1.0",
        "2.0.0": "1.1.0",
    }


def test_release_candidates_follow_each_other_and_a_maintenance_series_keeps_its_own() -> None:
    found = predecessors(
        releases("1.1.14-rc1", "1.1.14-rc2", "1.1.13", "1.1.14", "1.0.13", "1.0.14")
    )
    assert found["1.0.14"] == "1.0.13"
    assert found["1.1.14-rc2"] == "1.1.14-rc1"
    assert found["1.1.14"] == "1.1.13"
    assert found["1.1.13"] == "1.0.14"  # the last final before it in version order

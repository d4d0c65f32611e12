"""A release page is never empty: a final whose ChangeLog section is empty shows its rc's."""

from __future__ import annotations

from digest.config import load_config
from digest.site import SiteOptions, build_site
from digest.site.data import load_site_data
from digest.store import open_db
from tests.draft.test_empty_sections import TAGS, rc_only_upstream
from tests.helpers import run_cli, write_config


def test_the_page_of_a_final_with_an_empty_section_lists_the_rc_entries(tmp_path):
    repo = rc_only_upstream(tmp_path / "up")
    path = write_config(tmp_path, str(repo.path), release_tags=TAGS, changelogs=["ChangeLog"])
    assert run_cli(path, "fetch").exit_code == 0
    db = open_db(load_config(path).settings.database)

    releases = {r.version: r for r in load_site_data(db).releases}
    final, rc = releases["2.0.0"], releases["2.0.0rc1"]
    assert final.source == "rc" and final.rc_sources == ("2.0.0rc1",)
    assert [c.english for c in final.changes] == [c.english for c in rc.changes]
    assert len(final.changes) == 2
    assert all(c.duplicate for c in final.changes)  # component pages list them once
    assert not any(c.duplicate for c in rc.changes)

    posts = tmp_path / "posts"
    posts.mkdir()
    out = tmp_path / "site"
    build_site(db, SiteOptions(posts, out))
    page = (out / "releases" / "demo" / "2.0.0.html").read_text(encoding="utf-8")
    assert "リリース候補版 2.0.0rc1 の節の項目を並べています" in page
    assert "fix the netmask of an IPv6 address" in page
    component = (out / "components" / "other" / "index.html").read_text(encoding="utf-8")
    assert component.count("fix the netmask of an IPv6 address") == 1

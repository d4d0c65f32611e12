"""The built site in a real headless browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import struct
import threading
from pathlib import Path

import pytest

from digest.site import SiteOptions, build_site, make_server, url_of
from tests.site.site_data import good_posts, make_store

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install -y chromium fonts-ipafont-gothic)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(tmp_path):
    out = tmp_path / "site"
    db = make_store(tmp_path / "digest.db")
    build_site(db, SiteOptions(good_posts(tmp_path), out, per_page=2))
    return out


@pytest.fixture
def served(site):
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url_of(server)
    server.shutdown()
    server.server_close()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_index_to_component_page_with_screenshot(browser, served, tmp_path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served + "index.html")
    assert page.title().startswith("Linux-HA / ClusterLabs")
    assert page.locator(".post-link").first.inner_text() == "月刊あんどりゅーくん(12月号)"
    # the stylesheet was found through its relative link
    assert page.evaluate("getComputedStyle(document.body).lineBreak") == "strict"
    page.get_by_role("link", name="コンポーネント").first.click()
    page.wait_for_url("**/components/index.html")
    page.locator('.component-list a:has(.id:text-is("stonith"))').click()
    page.wait_for_url("**/components/stonith/index.html")
    assert page.locator("h1").inner_text().startswith("stonith")
    assert "add missing double quote" in page.locator(".changes").inner_text()
    shot = tmp_path / "component.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = png_size(shot)
    assert width >= 1000 and height >= 400 and shot.stat().st_size > 20_000
    assert errors == []


def test_release_page_from_disk_on_a_phone(browser, site, tmp_path):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto((site / "releases" / "pacemaker" / "1.0.12.html").as_uri())
    change = page.locator(".change", has_text="Ensure role is preserved")
    english, japanese = change.locator(".en").bounding_box(), change.locator(".ja").bounding_box()
    assert japanese["y"] >= english["y"] + english["height"] - 1  # stacked on a narrow screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator(".change .tag", has_text="PE").first.click()
    page.wait_for_url("**/components/pe/index.html")
    assert page.locator(".pages [aria-current]").first.inner_text() == "1"
    shot = tmp_path / "phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert png_size(shot)[0] == 375


def test_english_beside_japanese_on_a_wide_screen(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((site / "releases" / "pacemaker" / "1.0.12.html").as_uri())
    change = page.locator(".change", has_text="Ensure role is preserved")
    english, japanese = change.locator(".en").bounding_box(), change.locator(".ja").bounding_box()
    assert japanese["x"] > english["x"] + english["width"] - 1
    assert abs(japanese["y"] - english["y"]) < 5

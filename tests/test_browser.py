"""The site in a real Chromium: a reader's journey, phones, dark mode, keyboard, no-JS, and
axe-core accessibility checks. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from site_builder import search
from site_builder.cli import main

from .sitecheck import serve
from .tools import chromium_path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PREFIX = "repo/"  # served under a sub-path, as a GitHub Pages project site is


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled seed papers, built and served on 127.0.0.1 under /repo/."""
    from .conftest import ROOT, ingest_seed  # noqa: PLC0415 - module-scoped copy of the site fixture

    site = tmp_path_factory.mktemp("browser") / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "site.yaml").write_text((ROOT / "site.yaml").read_text())
    (site / "content" / "topics.yaml").write_text((ROOT / "content/topics.yaml").read_text())
    ingest_seed(site)
    www = site / "www"
    with serve(www) as root:
        assert (
            main(
                [
                    "build",
                    "--site",
                    str(site),
                    "--quiet",
                    "--base-url",
                    root + PREFIX,
                    "--output",
                    str(www / PREFIX),
                ]
            )
            == 0
        )
        yield root + PREFIX


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], "JavaScript errors on the page"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_a_reader_browses_topic_paper_and_neighbours(page: Page, site_url: str) -> None:
    page.goto(site_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Trending papers")
    first = page.locator(".paper-item").first
    expect(first.locator("h2")).to_contain_text("Even your Teacher Needs Guidance")
    shot(page, "home")

    topic = first.locator(".topic-tags a").first
    topic_name = topic.inner_text()
    topic.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(topic_name)
    assert "/repo/topics/" in page.url
    shot(page, "topic")

    title = page.locator(".paper-item h2 a").first.inner_text()
    page.locator(".paper-item h2 a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".abstract")).not_to_be_empty()
    shot(page, "paper")

    next_link = page.locator('.pager a[rel="next"]')
    next_title = next_link.inner_text().split("\n")[-1].removeprefix("Next →").strip()
    next_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(next_title)
    page.locator('.pager a[rel="prev"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_search_finds_a_word_and_opens_the_result(page: Page, site_url: str) -> None:
    page.goto(site_url)
    page.get_by_role("link", name="Search").click()
    box = page.get_by_role("searchbox")
    box.fill("hallucination")
    box.press("Enter")
    results = page.locator("#search-results li")
    expect(results.first).to_be_visible()
    expect(page.locator("#search-status")).to_contain_text("results for “hallucination”")
    expect(results.first.locator("mark").first).to_be_visible()
    assert "q=hallucination" in page.url
    shot(page, "search")
    title = results.first.locator("a").inner_text()
    results.first.locator("a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert re.search("hallucinat", page.locator("main").inner_text(), re.IGNORECASE)


def test_a_query_typed_before_the_script_runs_is_kept_and_searched(
    page: Page, site_url: str
) -> None:
    """The search script runs once the page is parsed: what a quick reader typed before that
    stays in the box and is searched (it was wiped, and this very test's sibling above failed
    now and then for it)."""
    held: list[Route] = []

    def hold(route: Route) -> None:  # Playwright calls a function, not a bound builtin
        held.append(route)  # the script is sent only once let go, below

    page.route("**/static/search.js", hold)
    page.goto(site_url + "search/", wait_until="commit")
    box = page.get_by_role("searchbox")
    box.fill("hallucination")
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    expect(page.locator("#search-results li").first).to_be_visible()
    expect(box).to_have_value("hallucination")
    expect(page.locator("#search-status")).to_contain_text("results for “hallucination”")


def _matches(site_url: str, query: str) -> int:
    """How many papers the index over HTTP says match every word of `query`, computed here in
    Python (search.py's folding and hashing) to check the script reads the index the same way."""
    meta = json.loads(urlopen(site_url + "search/data/meta.json").read())
    found: list[set[int]] = []
    for word in search.words(query):
        bucket = search.bucket_of(word, meta["termFiles"])
        terms = json.loads(urlopen(f"{site_url}search/data/terms/{bucket}.json").read())
        docs: set[int] = set()
        for term, gaps in terms.items():
            if term == word or (len(word) >= 3 and term.startswith(word)):
                docs.update(itertools.accumulate(gaps[::2]))
        found.append(docs)
    return len(set.intersection(*found))


@pytest.mark.parametrize("query", ["halluc", "LANGUAGE reasoning", "tulu", "Tülu 3"])
def test_search_folds_case_and_accents_and_matches_word_starts(
    page: Page, site_url: str, query: str
) -> None:
    expected = _matches(site_url, query)
    assert expected > 0
    page.goto(site_url + "search/?q=" + quote(query))
    status = page.locator("#search-status")
    expect(status).to_contain_text(f"{expected} result")
    expect(page.locator("#search-results li")).to_have_count(min(expected, 30))
    expect(page.locator("#search-results li").first.locator("mark").first).to_be_visible()


def test_phone_layout_has_no_sideways_scrolling(browser: Browser, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    for path in ("", "papers/", "topics/", "archive/", "search/"):
        if path == "papers/":
            page.goto(site_url)
            page.locator(".paper-item h2 a").first.click()
        else:
            page.goto(site_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    page.goto(site_url)
    shot(page, "home-390px")
    context.close()


def _luminance(rgb: str) -> float:
    red, green, blue = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_themes_follow_the_system(browser: Browser, site_url: str, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site_url)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    text = page.evaluate("getComputedStyle(document.body).color")
    if scheme == "dark":
        assert _luminance(background) < 0.15
        assert _luminance(text) > 0.8
    else:
        assert _luminance(background) > 0.9
        assert _luminance(text) < 0.2
    shot(page, f"home-{scheme}")
    context.close()


def test_keyboard_users_can_skip_to_content(page: Page, site_url: str) -> None:
    page.goto(site_url)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is on screen"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"
    page.keyboard.press("Enter")
    # Following the link is a navigation Chromium finishes after the key press returns: wait for it.
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    expect(page.locator("main :focus")).to_have_count(1)


def test_everything_but_search_works_without_javascript(browser: Browser, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url)
    expect(page.locator(".paper-item")).to_have_count(30)
    page.locator(".paper-item h2 a").first.click()
    expect(page.locator(".abstract")).not_to_be_empty()
    expect(page.locator("button[data-copy]")).to_be_hidden()
    page.goto(site_url + "search/")
    expect(page.locator("main")).to_contain_text("Search needs JavaScript")
    context.close()


def test_bibtex_copy_button(browser: Browser, site_url: str) -> None:
    context = browser.new_context()
    context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=site_url.split("/repo/", maxsplit=1)[0]
    )
    page = context.new_page()
    page.goto(site_url)
    page.locator(".paper-item h2 a").first.click()
    button = page.locator("button[data-copy]")
    expect(button).to_have_text("Copy BibTeX")
    button.click()
    copied = ""
    for _ in range(50):
        copied = page.evaluate("navigator.clipboard.readText()")
        if copied.startswith("@misc{"):
            break
        page.wait_for_timeout(100)
    assert copied == page.locator("#bibtex").inner_text()
    assert "Even your Teacher Needs Guidance" in copied
    context.close()


def test_pages_do_not_shift_while_loading(page: Page, site_url: str) -> None:
    page.add_init_script("""
        window.__shift = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) window.__shift += entry.value;
        }).observe({type: "layout-shift", buffered: true});
    """)
    for path in ("", "topics/", "archive/"):
        page.goto(site_url + path, wait_until="networkidle")
        assert page.evaluate("window.__shift") == 0, path


AXE_PAGES = [
    "",
    "page/2/",
    "topics/",
    "archive/",
    "date/2025-03-13/",
    "week/2025-W11/",
    "search/?q=reasoning",
    "404.html",
    "PAPER",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser: Browser, site_url: str, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(site_url)
    topic_url = page.locator(".topic-tags a").first.get_attribute("href")
    paper_url = page.locator(".paper-item h2 a").first.get_attribute("href")
    axe = Axe()
    problems = []
    for path in [*AXE_PAGES, topic_url]:
        page.goto(site_url + (paper_url if path == "PAPER" else path), wait_until="networkidle")
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                targets = [node["target"] for node in violation["nodes"][:3]]
                problems.append(f"{page.url}: {violation['id']}: {violation['help']} {targets}")
    context.close()
    assert problems == []

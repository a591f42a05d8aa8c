"""Driving Debian's Chromium with Playwright, and checking pages with axe-core.

Chromium comes from Debian's package (``.ci/run`` installs it when missing); Playwright never
downloads a browser. A missing browser fails the tests rather than skipping them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests import snapshot

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


PASSWORD = "a-demo-password-for-browser-tests"


def launch(playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium (the CI script does)")
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make setup` (npm ci)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


# What Chromium says when the document axe was put into is replaced by the next one.
_NAVIGATED = ("Execution context was destroyed", "reading 'appendChild'", "navigat", "Frame was detached")


def axe_violations(page) -> list[str]:
    """Every WCAG A/AA violation axe-core finds on the page once it has loaded, in words.

    A click on a link returns when the navigation starts, not when the next page has loaded, so
    the check first waits for the page to load; if the document is replaced while axe-core is
    being added or run, it waits for the next load and checks that page instead. No sleeps.
    """
    for _attempt in range(5):
        page.wait_for_load_state("load")
        try:
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
            )
            break
        except PlaywrightError as error:
            if not any(sign in str(error) for sign in _NAVIGATED):
                raise
    else:
        pytest.fail(f"{page.url} kept navigating: axe-core could not check it")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in result["violations"]
    ]


def accessible(page, label: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{label}: {violations}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- keyboard ---------------------------------------------------------------------------------

# What the focused element is called and how it looks. A GOV.UK radio or checkbox input is
# invisible (opacity 0): its focus ring is drawn on the label's ::before, so that is read too.
# The element focused before is remembered on the page, to be read again once focus has left it.
_FOCUS_STOP = """
() => {
  const describe = (el) => {
    const look = (node, pseudo) => {
      const s = getComputedStyle(node, pseudo);
      return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.color,
              s.borderTopWidth, s.textDecorationLine].join(' | ');
    };
    // A link in an SVG (the timeline's bars) shows focus by the stroke of what it contains.
    const paint = (node) => [node, ...node.querySelectorAll('*')].map(n => {
      const s = getComputedStyle(n);
      return [s.stroke, s.strokeWidth, s.fill].join(' ');
    }).join(' ; ');
    const labels = el.labels ? [...el.labels] : [];
    const choice = el.type === 'checkbox' || el.type === 'radio';
    const name = (el.getAttribute('aria-label') || labels.map(l => l.innerText).join(' ')
      || el.innerText || el.value || el.getAttribute('title')
      || (el.querySelector('title') ? el.querySelector('title').textContent : '') || el.id || el.tagName).replace(/\\s+/g, ' ').trim();
    return {
      name,
      role: el.getAttribute('role') || '',
      element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.type ? '[' + el.type + ']' : ''),
      look: look(el) + (choice && labels.length ? ' || ' + look(labels[0], '::before') : '')
        + (el instanceof SVGElement ? ' || ' + paint(el) : ''),
    };
  };
  const el = document.activeElement;
  const here = el && el !== document.body && el !== document.documentElement ? el : null;
  const before = window.__focusedBefore && window.__focusedBefore.isConnected ? window.__focusedBefore : null;
  window.__focusedBefore = here;
  return {
    stop: here && describe(here),
    before_now: before && before !== here ? describe(before).look : null,
    // Node.DOCUMENT_POSITION_FOLLOWING: the new stop comes after the one before in the page.
    forward: before && here ? Boolean(before.compareDocumentPosition(here) & 4) : null,
  };
}
"""
GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"


def focused(page) -> dict | None:
    """The focused element's name, role, a short description of it, and its computed focus styles."""
    return page.evaluate(_FOCUS_STOP)["stop"]


def _matches(name: str, wanted) -> bool:
    if hasattr(wanted, "search"):
        return bool(wanted.search(name))
    return name.removesuffix(" (optional)") == wanted


def tab_to(page, wanted, *, role: str | None = None, backwards: bool = False, limit: int = 80) -> list[str]:
    """Press Tab (Shift+Tab going back) until the focused element is called ``wanted`` (a name or a
    regex), and has the ARIA ``role`` if one is given.

    At every stop the focus must show GOV.UK's yellow, and must look different from the same
    element unfocused (checked when focus moves on). Focus must move through the page in document
    order, wrapping round at most once; reaching ``wanted`` within ``limit`` presses proves focus is
    not trapped. Fails with the stops passed on the way. Returns those stops.
    """
    key = "Shift+Tab" if backwards else "Tab"
    # GOV.UK's scripts move focus when they start (to an error summary or a success banner).
    page.wait_for_load_state()
    page.evaluate(_FOCUS_STOP)  # where focus starts from
    stops: list[str] = []
    before_look = None
    wrapped = False

    def wrap():
        nonlocal wrapped
        assert not wrapped, (
            f"focus went back on itself or round the page twice (a trap?) looking for {wanted!r}: {stops}"
        )
        wrapped = True

    for _ in range(limit):
        page.keyboard.press(key)
        seen = page.evaluate(_FOCUS_STOP)
        stop = seen["stop"]
        if before_look is not None and seen["before_now"] is not None:
            assert seen["before_now"] != before_look, (
                f"focus on {stops[-1]} looks the same as without it: {before_look}"
            )
        if stop is None:  # past the end of the page: the browser's own controls, then round again
            stops.append("(outside the page)")
            wrap()
            before_look = None
            continue
        if seen["forward"] is not None and seen["forward"] == backwards:
            wrap()
        stops.append(f"{stop['name']} ({stop['element']})")
        assert GOVUK_FOCUS_YELLOW in stop["look"], f"no visible focus on {stops[-1]}: {stop['look']}"
        if _matches(stop["name"], wanted) and role in (None, stop["role"]):
            return stops
        before_look = stop["look"]
    pytest.fail(f"{wanted!r} not reached in {limit} presses of {key}; focus went to: {stops}")


def arrow_to(page, wanted, *, key: str = "ArrowRight", limit: int = 10) -> None:
    """Move between GOV.UK tabs (or radios) with an arrow key until ``wanted`` has focus."""
    page.wait_for_load_state()
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = focused(page)
        seen.append(stop and stop["name"])
        if stop and _matches(stop["name"], wanted):
            assert GOVUK_FOCUS_YELLOW in stop["look"], f"no visible focus on {stop['name']}: {stop['look']}"
            return
    pytest.fail(f"{wanted!r} not reached with {key}; focus went to: {seen}")


# --- PDFs ------------------------------------------------------------------------------------


def fetch_pdf(page, href: str):
    """The PDF behind a link, fetched with the signed-in person's session, read with pypdf."""
    from io import BytesIO

    from pypdf import PdfReader

    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf", response.headers
    return PdfReader(BytesIO(response.body()))


def pdf_text(pdf) -> str:
    return "\n".join(p.extract_text() for p in pdf.pages)


def assert_accessible_pdf(pdf) -> None:
    """The checks of PDF/UA a machine can make: marked content in a structure tree, a language,
    a title shown as the window's title, every font embedded, tab order by structure, tables with
    header cells, figures with alternative text, and headings that never skip a level going down."""
    catalog = pdf.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB" and pdf.metadata.title
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True
    for number, page in enumerate(pdf.pages, start=1):
        assert page.get("/Tabs") == "/S", f"page {number}: tab order does not follow the structure"
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), (
                f"page {number}: {font['/BaseFont']} not embedded"
            )

    levels, kinds, figures_without_alt = [], [], []

    def walk(node):
        node = node.get_object()
        kind = node.get("/S")
        if kind:
            kinds.append(str(kind))
            if str(kind) in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6"):
                levels.append(int(str(kind)[2:]))
            if str(kind) == "/Figure" and not node.get("/Alt"):
                figures_without_alt.append(node)
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(catalog["/StructTreeRoot"])
    assert levels and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    assert "/Table" not in kinds or "/TH" in kinds, "tables without header cells"
    assert not figures_without_alt, f"{len(figures_without_alt)} figures without alternative text"


# --- fixtures (imported by the browser test modules) -----------------------------------------


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    """The demo data as ``load_demo`` makes it: on PostgreSQL, loaded once per test process and
    put back from a copy of its rows for each later test (tests/snapshot.py)."""
    settings.VAR_DIR = tmp_path
    # The demo's four people and every sign-in hash a password: the slow hasher is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    with snapshot.demo_loaded():
        yield


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a test module; each test gets a fresh context (cookies, storage) in it.
    Not for the whole session: while Playwright runs, Django sees an event loop in this thread
    and would refuse other tests' database queries."""
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API runs an event loop in this thread; the tests' database work is
        # still plain synchronous code, which Django would otherwise refuse here.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = launch(playwright)
        yield browser
        browser.close()
        # Inside Playwright's event loop Django gives this thread database connections that
        # pytest-django never sees: close them here, still inside, or they outlive the tests
        # and PostgreSQL refuses to drop the test database.
        connections.close_all()


@pytest.fixture
def browser_context(chromium, live_server, demo):
    # axe-core is injected as a script: let it past the Content Security Policy.
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True, base_url=live_server.url)
    yield context
    context.close()
    connections.close_all()  # see chromium()


@pytest.fixture
def browser_page(browser_context):
    return browser_context.new_page()


def sign_in_with_the_keyboard(page, username: str) -> None:
    page.goto("/accounts/login/")
    accessible(page, "sign-in page")
    page.focus("#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    stop = focused(page)
    assert stop["element"].startswith("input#id_password") and GOVUK_FOCUS_YELLOW in stop["look"], (
        f"focus not visible: {stop}"
    )
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)

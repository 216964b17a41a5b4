"""Check the built documentation site: links, public API coverage, and pages in a real browser.

Run after ``sphinx-build -b html docs docs/_build/html``::

    python docs/check_site.py [--site docs/_build/html] [--artifacts docs/_build/artifacts]

1. **Links.** Every internal ``href``/``src`` of every page (links, images, stylesheets,
   scripts) must point to a file of the site, and every ``#fragment`` to an ``id`` in the
   target page. External links are listed, not fetched (CI has no network).
2. **API coverage.** Every public name of the API contract has an entry (an anchor such as
   ``tinygrad_edu.Tensor.relu``) in the API reference.
3. **Browser.** Headless Chromium opens every page from a copy of the site into which a small
   script is injected; on the page's ``load`` event it measures every image in the page's main
   content and writes the numbers into the DOM, which ``--dump-dom`` prints. Each page must
   load and run the script, and each figure and graph must be decoded (natural size > 0) and
   visible (rendered size > 0, not hidden); a page must show at least as many graphs and figures
   as its Markdown source asks for (``tinygrad-graph`` directives and ``![...](...)`` images).
4. **Sliders.** Each ``course-slider`` (the course experiment drawn in the browser) must be drawn,
   and the injected script moves its range input and switches its mode: both must change the
   picture (the fit's points and the title).
5. **Screenshot.** The autodiff page is saved as ``<artifacts>/autodiff.png`` and must not be blank.

Exits with status 1 and a list of problems if any check fails; writes ``site_check.json`` into
the artifacts folder.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_api import PUBLIC_NAMES  # noqa: E402

DOCS_DIR = Path(__file__).resolve().parent
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--window-size=1280,2000",
]
SCREENSHOT_PAGE = "concepts/autodiff.html"
RESULT_ID = "site-check-result"
# Measures the images of the main content once everything (images included) has loaded.
MEASURE_SCRIPT = """
<script>
window.addEventListener("load", function () {
  var main = document.querySelector("article") || document.body;
  var images = Array.prototype.map.call(main.querySelectorAll("img"), function (img) {
    var box = img.getBoundingClientRect(), style = getComputedStyle(img);
    return {src: img.getAttribute("src"), complete: img.complete,
            naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
            width: box.width, height: box.height,
            hidden: style.display === "none" || style.visibility === "hidden" || style.opacity === "0",
            graph: !!img.closest("figure.tinygrad-graph")};
  });
  // Each course slider: move it and switch its mode, and see whether the picture changes.
  var sliders = Array.prototype.map.call(main.querySelectorAll("figure.course-slider"), function (figure) {
    var input = figure.querySelector("input[type=range]"), menu = figure.querySelector("select");
    var plot = figure.querySelector("svg.course-slider-plot");
    function picture() {
      var fit = figure.querySelector(".course-slider-fit");
      return {fit: fit ? fit.getAttribute("points") : null, title: plot ? plot.textContent : ""};
    }
    var box = plot ? plot.getBoundingClientRect() : {width: 0, height: 0};
    var first = picture();
    if (!input || !menu) { return {controls: false, drawn: !!first.fit}; }
    // At the last snapshot the two modes differ (at step 0 they start from the same weights).
    menu.selectedIndex = (menu.selectedIndex + 1) % menu.options.length;
    menu.dispatchEvent(new Event("change", {bubbles: true}));
    var switched = picture();
    input.value = input.min;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    var moved = picture();
    return {controls: true, drawn: !!first.fit, width: box.width, height: box.height,
            frames: Number(input.max) - Number(input.min) + 1,
            mode_changes_picture: !!switched.fit && switched.fit !== first.fit,
            slider_changes_picture: !!moved.fit && moved.fit !== switched.fit && moved.title !== switched.title};
  });
  var out = document.createElement("pre");
  out.id = "RESULT_ID";
  out.textContent = JSON.stringify({title: document.title, images: images, sliders: sliders});
  document.body.appendChild(out);
});
</script>
""".replace("RESULT_ID", RESULT_ID)


class PageParser(HTMLParser):
    """Collects a page's ids and the URLs it refers to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.references: list[tuple[str, str]] = []  # (tag, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(key):
                self.ids.add(attributes[key])  # type: ignore[arg-type]
        url_attribute = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src"}.get(tag)
        if url_attribute and attributes.get(url_attribute):
            self.references.append((tag, attributes[url_attribute]))  # type: ignore[arg-type]


def parse_site(site: Path) -> dict[Path, PageParser]:
    pages = {}
    for page in sorted(site.rglob("*.html")):
        parser = PageParser()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page] = parser
    return pages


def check_links(site: Path, pages: dict[Path, PageParser]) -> tuple[list[str], set[str]]:
    """Broken internal references; the set of external URLs seen."""
    problems, external = [], set()
    for page, parser in pages.items():
        for tag, url in parser.references:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                if parts.scheme in ("http", "https"):
                    external.add(url)
                continue
            where = f"{page.relative_to(site)}: <{tag}> {url}"
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where}: no such file")
                continue
            # viewcode's "[docs]" links back from a module's source page build their anchor from one
            # module name per source file, which misses for functions re-exported elsewhere
            # (tinygrad_edu.backward lives in tinygrad_edu/autograd.py): those only need the page.
            from_source_listing = "_modules" in page.relative_to(site).parts
            if parts.fragment and target.suffix == ".html" and not from_source_listing:
                target_parser = pages.get(target)
                if target_parser is not None and unquote(parts.fragment) not in target_parser.ids:
                    problems.append(f"{where}: no element with id {parts.fragment!r} in {target.relative_to(site)}")
    return problems, external


def check_api_coverage(pages: dict[Path, PageParser], site: Path) -> list[str]:
    api_ids: set[str] = set()
    for page, parser in pages.items():
        if page.relative_to(site).parts[0] == "api":
            api_ids |= parser.ids
    return [f"API reference has no entry for {name}" for name in PUBLIC_NAMES if name not in api_ids]


def chromium(binary: str, arguments: list[str], profile: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def measure_page(binary: str, copy: Path, page: Path, profile_root: Path) -> tuple[Path, dict | None, str]:
    profile = Path(tempfile.mkdtemp(dir=profile_root))
    try:
        done = chromium(binary, ["--virtual-time-budget=10000", "--dump-dom", page.as_uri()], profile)
    except subprocess.TimeoutExpired:
        return page, None, "Chromium timed out"
    match = re.search(rf'<pre id="{RESULT_ID}">(.*?)</pre>', done.stdout, re.S)
    if match is None:
        return page, None, f"the page did not finish loading (exit {done.returncode}): {done.stderr[-400:]}"
    return page, json.loads(html.unescape(match.group(1))), ""


def check_in_browser(binary: str, site: Path, pages: list[Path]) -> tuple[list[str], dict]:
    problems, report = [], {}
    with tempfile.TemporaryDirectory() as temp:
        copy = Path(temp) / "site"
        shutil.copytree(site, copy)
        targets = []
        for page in pages:
            copied = copy / page.relative_to(site)
            text = copied.read_text(encoding="utf-8")
            copied.write_text(text.replace("</body>", MEASURE_SCRIPT + "</body>"), encoding="utf-8")
            targets.append(copied)
        profiles = Path(temp) / "profiles"
        profiles.mkdir()
        with ThreadPoolExecutor(max_workers=max(1, min(3, os.cpu_count() or 1))) as pool:
            results = list(pool.map(lambda page: measure_page(binary, copy, page, profiles), targets))
        for copied, result, error in results:
            name = copied.relative_to(copy).as_posix()
            if result is None:
                problems.append(f"{name}: {error}")
                continue
            report[name] = result
            for image in result["images"]:
                kind = "graph" if image["graph"] else "image"
                if not image["complete"] or image["naturalWidth"] == 0 or image["naturalHeight"] == 0:
                    problems.append(f"{name}: {kind} {image['src']} did not load")
                elif image["hidden"] or image["width"] < 1 or image["height"] < 1:
                    problems.append(f"{name}: {kind} {image['src']} is not visible ({image['width']}x{image['height']})")
    return problems, report


def check_expected_figures(site: Path, report: dict) -> list[str]:
    """Each page shows at least as many graphs and images as its Markdown source asks for."""
    problems = []
    for source in sorted(DOCS_DIR.rglob("*.md")):
        relative = source.relative_to(DOCS_DIR)
        if relative.parts[0].startswith("_"):
            continue
        # Blocks fenced with four or more backticks show Markdown source as text (examples of syntax).
        text = re.sub(r"^(`{4,}).*?^\1", "", source.read_text(encoding="utf-8"), flags=re.M | re.S)
        graphs = len(re.findall(r"^[`:]{3,}\{tinygrad-graph\}", text, re.M))
        images = len(re.findall(r"!\[[^\]]*\]\(", text)) + graphs
        page = relative.with_suffix(".html").as_posix()
        measured = report.get(page)
        if measured is None:
            if images:
                problems.append(f"{page}: the page with figures was not opened")
            continue
        shown_graphs = sum(image["graph"] for image in measured["images"])
        if shown_graphs < graphs or len(measured["images"]) < images:
            problems.append(
                f"{page}: the source asks for {graphs} graphs and {images} figures in all; "
                f"the page shows {shown_graphs} and {len(measured['images'])}"
            )
    return problems


def check_sliders(report: dict) -> list[str]:
    """Every ``course-slider`` in a page's source is drawn, and moving it (or its mode) redraws the picture."""
    problems = []
    for source in sorted(DOCS_DIR.rglob("*.md")):
        relative = source.relative_to(DOCS_DIR)
        if relative.parts[0].startswith("_"):
            continue
        text = re.sub(r"^(`{4,}).*?^\1", "", source.read_text(encoding="utf-8"), flags=re.M | re.S)
        wanted = len(re.findall(r"^[`:]{3,}\{course-slider\}", text, re.M))
        if not wanted:
            continue
        page = relative.with_suffix(".html").as_posix()
        sliders = (report.get(page) or {}).get("sliders", [])
        if len(sliders) < wanted:
            problems.append(f"{page}: the source asks for {wanted} course sliders; the page shows {len(sliders)}")
        for number, slider in enumerate(sliders, 1):
            where = f"{page}: course slider {number}"
            if not slider.get("controls") or not slider.get("drawn"):
                problems.append(f"{where} has no slider, no mode menu or no picture (did its script run?)")
            elif slider["width"] < 1 or slider["height"] < 1:
                problems.append(f"{where} is not visible ({slider['width']}x{slider['height']})")
            elif not slider["slider_changes_picture"]:
                problems.append(f"{where}: moving the slider does not change the picture")
            elif not slider["mode_changes_picture"]:
                problems.append(f"{where}: switching the mode does not change the picture")
    return problems


def take_screenshot(binary: str, site: Path, artifacts: Path) -> list[str]:
    page = site / SCREENSHOT_PAGE
    if not page.is_file():
        return [f"no page {SCREENSHOT_PAGE} to screenshot"]
    artifacts.mkdir(parents=True, exist_ok=True)
    target = artifacts / "autodiff.png"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        chromium(binary, ["--virtual-time-budget=10000", f"--screenshot={target}", page.as_uri()], Path(profile))
    if not target.is_file():
        return ["Chromium wrote no screenshot"]
    try:
        from PIL import Image
    except ImportError:
        return [] if target.stat().st_size > 20_000 else [f"screenshot {target} looks blank"]
    with Image.open(target) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    return [] if len(colours) > 50 else [f"screenshot {target} looks blank ({len(colours)} colours)"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the built docs: links, API coverage, pages in Chromium.")
    parser.add_argument("--site", type=Path, default=DOCS_DIR / "_build" / "html")
    parser.add_argument("--artifacts", type=Path, default=DOCS_DIR / "_build" / "artifacts")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        print(f"no built site at {site}: run sphinx-build first", file=sys.stderr)
        return 1
    if shutil.which(args.chromium) is None:
        print(f"Chromium not found at {args.chromium} (apt-get install chromium)", file=sys.stderr)
        return 1

    pages = parse_site(site)
    link_problems, external = check_links(site, pages)
    api_problems = check_api_coverage(pages, site)
    # Sphinx's own generated pages (search, index, module sources) have no figures to measure.
    content_pages = [page for page in pages if page.name not in ("search.html", "genindex.html", "py-modindex.html")
                     and "_modules" not in page.relative_to(site).parts]
    browser_problems, report = check_in_browser(args.chromium, site, content_pages)
    browser_problems += check_expected_figures(site, report)
    browser_problems += check_sliders(report)
    screenshot_problems = take_screenshot(args.chromium, site, args.artifacts)

    images = sum(len(page["images"]) for page in report.values())
    sliders = sum(len(page.get("sliders", [])) for page in report.values())
    graphs = sum(image["graph"] for page in report.values() for image in page["images"])
    problems = link_problems + api_problems + browser_problems + screenshot_problems
    args.artifacts.mkdir(parents=True, exist_ok=True)
    summary = {
        "pages": len(pages), "pages_opened": len(report), "images": images, "graphs": graphs,
        "sliders": sliders, "public_names": len(PUBLIC_NAMES), "external_links": sorted(external), "problems": problems, "measured": report,
    }
    (args.artifacts / "site_check.json").write_text(json.dumps(summary, indent=1))
    print(f"links: {sum(len(p.references) for p in pages.values())} references in {len(pages)} pages, "
          f"{len(link_problems)} broken, {len(external)} external (not fetched)")
    print(f"API reference: {len(PUBLIC_NAMES) - len(api_problems)}/{len(PUBLIC_NAMES)} public names documented")
    print(f"browser: {len(report)}/{len(content_pages)} pages loaded, {images} images ({graphs} graphs) measured, "
          f"{sliders} course sliders moved, {len(browser_problems)} problems")
    print(f"screenshot: {args.artifacts / 'autodiff.png'} {'ok' if not screenshot_problems else 'FAILED'}")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

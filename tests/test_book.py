"""The website of the series (`make book`): built from the committed notebooks, every page there,
linked both ways, with its figures and outputs, formulas typeset offline, launch buttons only
for a recorded repository URL."""

import functools
import http.server
import json
import re
import runpy
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from vae_tutorial.course import series

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = series.notebook_paths(ROOT / "notebooks")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-c", str(ROOT / "book")]
    command += ["-d", str(out / "doctrees"), str(ROOT / "notebooks"), str(out / "html")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "html"


def _page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def _links(html: str) -> set[str]:
    return {href.split("#")[0] for href in re.findall(r'href="([^"]+)"', html)}


def test_every_notebook_the_glossary_and_search_have_a_page(site):
    for name in ["index.html", "glossary.html", "search.html", "searchindex.js"]:
        assert (site / name).is_file(), name
    for path in NOTEBOOKS:
        html = _page(site, path.stem + ".html")
        title = json.loads(path.read_text())["cells"][0]["source"][0].removeprefix("# ").strip()
        assert f"<h1>{title}" in html.replace("\u00b7", "·"), path.name


def test_the_landing_page_links_every_notebook_and_each_page_links_home_and_the_next(site):
    index = _links(_page(site, "index.html"))
    assert {p.stem + ".html" for p in NOTEBOOKS} | {"glossary.html"} <= index
    for this, after in zip(NOTEBOOKS, NOTEBOOKS[1:], strict=False):
        links = _links(_page(site, this.stem + ".html"))
        assert "index.html" in links and after.stem + ".html" in links and "glossary.html" in links, this.name
    text = re.sub(r"<[^>]+>", "", _page(site, "index.html"))
    for needed in ("What you will learn", "The path", "Where to run them", "make lab", "A VAE for sentences"):
        assert needed in text  # written for learners; the table of notebooks comes from the README
    assert text.index("What you will learn") < text.index("make lab")  # the lesson first, setting up after


def test_each_page_shows_its_notebooks_figures_and_outputs(site):
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        pngs = sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
        html = _page(site, path.stem + ".html")
        images = re.findall(r'<img[^>]+src="(_images/[^"]+)"', html)
        assert len(images) >= pngs > 0, path.name
        assert all((site / src).is_file() for src in images), path.name
        setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "".join(setup["outputs"][0]["text"]).strip() in html  # the committed output, not a new run
        assert html.count("tag_hide-input") == 1, path.name  # the setup cell, folded away


def test_formulas_are_typeset_by_a_local_mathjax_and_nothing_loads_from_the_network(site):
    html = _page(site, "01_gaussians_and_kl.html")
    assert 'src="_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"' in html
    assert (site / "_static" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    for page in site.glob("*.html"):
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', page.read_text(encoding="utf-8"))
        assert not [s for s in scripts if "//" in s], page.name


def test_no_launch_buttons_without_a_repository_url_and_both_with_one(site):
    assert series.repository_url() is None  # the project records none yet: no button may be invented
    for page in site.glob("*.html"):
        assert "colab.research.google.com" not in page.read_text(encoding="utf-8"), page.name
    theme_options = runpy.run_path(str(ROOT / "book" / "conf.py"))["theme_options"]
    assert "launch_buttons" not in theme_options(None)
    options = theme_options("https://example.org/owner/vae-tutorial")
    assert options["repository_url"] == "https://example.org/owner/vae-tutorial"
    assert set(options["launch_buttons"]) >= {"colab_url", "binderhub_url"}


def test_long_code_lines_wrap_and_wide_equations_scroll_on_every_page(site):
    css = (site / "_static" / "wrap.css").read_text(encoding="utf-8")
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)))
    code = next(body for selector, body in rules.items() if "div.cell div.highlight pre" in selector)
    math = next(body for selector, body in rules.items() if "div.math" in selector)
    assert "white-space: pre-wrap" in code and "overflow-x: auto" in math
    for path in NOTEBOOKS:  # the theme's own CSS first, ours after it, so ours wins
        html = _page(site, path.stem + ".html")
        assert 'href="_static/wrap.css' in html, path.name
        assert html.index('href="_static/wrap.css') > html.index("sphinx-book-theme.css"), path.name


def test_no_machine_paths_in_the_pages(site):
    for page in site.glob("*.html"):
        assert str(ROOT) not in page.read_text(encoding="utf-8"), page.name


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
FLAGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def served(site):
    """The site over HTTP on a free local port, as a reader's browser gets it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _rendered(url: str, profile: Path) -> str:
    """The page's DOM after a real browser ran its scripts (headless Chromium)."""
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: apt install chromium)")
def test_in_a_real_browser_formulas_are_typeset_and_search_finds_the_notebooks(served, tmp_path):
    page = _rendered(f"{served}/01_gaussians_and_kl.html", tmp_path / "a")
    assert page.count('class="MathJax_Display"') >= 5  # MathJax ran, offline, on the display formulas
    assert "01 · Gaussians and the KL divergence" in page
    found = _rendered(f"{served}/search.html?q=posterior+collapse", tmp_path / "b")
    hits = re.findall(r'<a href="(\d\d_\w+\.html)[^"]*" data-score', found)
    assert "04_text_vae.html" in hits, hits  # the notebook that teaches it is among the results

"""Sphinx settings of the website of the series (`make book`): the committed notebooks, with their
outputs, as pages; nothing is executed and nothing is downloaded while it builds.

The source folder is notebooks/ (the landing page is notebooks/index.md); this folder holds only
the settings. Launch buttons (Colab, Binder) appear when pyproject.toml records a repository URL
in [project.urls], and not before.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # vae_tutorial: its version and the repository URL, without installing

from vae_tutorial import __version__  # noqa: E402
from vae_tutorial.course.series import repository_url  # noqa: E402

project = "vae-tutorial"
author = "The vae-tutorial authors"
copyright = f"2026, {author} (MIT licence)"
release = version = __version__

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["**.ipynb_checkpoints"]
nb_execution_mode = "off"  # the committed full-mode outputs, as they are
nb_merge_streams = True  # a training cell's progress lines read as one block
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_ipywidgets_js = {}  # no widget manager from a CDN: a page shows the explorer's static fallback
suppress_warnings = [
    "myst.header",  # "# NN · Title" then "### Intended learning outcomes": the notebooks' own layout
    "misc.highlighting_failure",  # error outputs that the IPython lexer cannot split: shown as plain text
    "mystnb.unknown_mime_type",  # the explorer's widget view: its PNG fallback is shown instead
]

html_theme = "sphinx_book_theme"
html_title = "Variational Autoencoders, step by step"
html_last_updated_fmt = None
html_copy_source = False
html_static_path = ["static"]  # book/static, beside this file
html_css_files = ["wrap.css"]  # long code lines wrap and wide display equations scroll, never clipped


def theme_options(url: str | None) -> dict:
    """The theme's options: a repository link and Colab/Binder launch buttons only when ``url`` is set."""
    options = {"show_toc_level": 2, "home_page_in_toc": True, "use_download_button": True}
    if url:
        options |= {
            "repository_url": url,
            "repository_branch": "main",
            "path_to_docs": "notebooks",
            "use_repository_button": True,
            "launch_buttons": {
                "colab_url": "https://colab.research.google.com",
                "binderhub_url": "https://mybinder.org",
                "notebook_interface": "jupyterlab",
            },
        }
    return options


html_theme_options = theme_options(repository_url(ROOT / "pyproject.toml"))

# MathJax from the jupyter-server-mathjax package, copied into the site: the formulas render with
# no network, in a classroom too (Sphinx's default loads MathJax from a CDN).
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"  # MathJax 2, relative to _static/
myst_update_mathjax = False  # MyST's settings are MathJax 3's; MathJax 2 gets the same ones here:
mathjax2_config = {  # typeset only the formulas (class "math"), inside pages that MyST marks to ignore
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processClass": "tex2jax_process|mathjax_process|math|output_area",
        "ignoreClass": "tex2jax_ignore|mathjax_ignore",
    },
    # the package ships the STIX-Web fonts only (as Jupyter's classic notebook configured it)
    "HTML-CSS": {"availableFonts": [], "imageFont": None, "preferredFont": None, "webFont": "STIX-Web"},
}


def _copy_mathjax(app, exception):
    import shutil

    import jupyter_server_mathjax

    if exception is None and app.builder.format == "html":
        static = Path(jupyter_server_mathjax.__file__).parent / "static"
        shutil.copytree(static, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def setup(app):
    app.connect("build-finished", _copy_mathjax)

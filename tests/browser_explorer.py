"""By hand, not under pytest: notebook 03's latent explorer in a real browser.

Starts JupyterLab on a small notebook that trains a 2-D ImageVAE for a few epochs and shows
``plots.latent_explorer(model.decode)``, runs it in headless Chromium, moves the first slider
with the keyboard and checks that the caption and the picture change. Screenshots before and
after go to ``build/browser/``. Not part of ``make test``: it needs Chromium (e.g. Debian's
``chromium``) and Playwright, which the project does not depend on::

    python3 -m venv /tmp/pw && /tmp/pw/bin/pip install playwright
    /tmp/pw/bin/python tests/browser_explorer.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
CELLS = [
    "from vae_tutorial.images import plots\n"
    "from vae_tutorial.images.data import load_digits\n"
    "from vae_tutorial.images.kinds import IMAGE_VAE\n"
    "(x, _), _ = load_digits(seed=0)\n"
    "model, _ = IMAGE_VAE.train(x[:1000], latent_dim=2, epochs=3, seed=0, verbose=0)",
    "plots.latent_explorer(model.decode)",
]


def _notebook(folder: Path) -> Path:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}
        for source in CELLS
    ]
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path = folder / "explorer.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the browser to drive")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "browser")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    token, port = secrets.token_hex(16), _free_port()
    with tempfile.TemporaryDirectory() as folder:
        _notebook(Path(folder))
        lab = subprocess.Popen(
            [str(JUPYTER), "lab", "--no-browser", f"--port={port}", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={folder}", "--allow-root"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(120):  # the server answers within a minute
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                    break
                except OSError:
                    if lab.poll() is not None:
                        raise SystemExit(
                            f"jupyter lab stopped (exit {lab.returncode}): run it by hand to see why"
                        ) from None
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.goto(f"{base}/lab/tree/explorer.ipynb?token={token}")
                page.wait_for_selector(".jp-Notebook", timeout=60_000)
                page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
                page.click("text=Run", timeout=30_000)  # the menu
                page.click("text=Run All Cells", timeout=30_000)
                caption = page.wait_for_selector("text=decoded z =", timeout=300_000)
                picture = page.wait_for_selector(".widget-image", timeout=30_000)
                before = (caption.inner_text(), picture.get_attribute("src"))
                page.screenshot(path=str(args.out / "explorer_before.png"))
                page.click(".widget-slider .noUi-handle >> nth=0")
                for _ in range(30):  # 30 steps of 0.05: z1 from 0 to 1.5
                    page.keyboard.press("ArrowRight")
                page.wait_for_function("(old) => !document.body.innerText.includes(old)", arg=before[0], timeout=30_000)
                time.sleep(1)
                after = (page.inner_text("text=decoded z ="), picture.get_attribute("src"))
                page.screenshot(path=str(args.out / "explorer_after.png"))
                browser.close()
        finally:
            lab.terminate()
            lab.wait(timeout=30)
    print(f"before: {before[0]!r}; after: {after[0]!r}; picture changed: {before[1] != after[1]}")
    print(f"screenshots: {args.out / 'explorer_before.png'}, {args.out / 'explorer_after.png'}")
    return 0 if before[0] != after[0] and before[1] != after[1] else 1


if __name__ == "__main__":
    sys.exit(main())

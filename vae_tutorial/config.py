"""Settings that cost time (fast mode), seeding (:func:`~vae_tutorial.seeding.seed_everything`), and where
outputs go."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from vae_tutorial.images.recipes import IMAGE_RECIPES
from vae_tutorial.seeding import seed_everything  # noqa: F401  (offered beside settings(): a setup needs both)

FAST_ENV = "VAE_TUTORIAL_FAST"


@dataclasses.dataclass(frozen=True)
class Settings:
    """The knobs that trade run time for precision; notebooks read them, never the env var.

    fast: True when ``VAE_TUTORIAL_FAST=1`` (CI, ``make test``).
    seed: the series' default random seed.
    mc_samples: Monte Carlo samples for KL estimates (notebook 01).
    grad_repeats: independent repeats used to measure a gradient estimator's variance (02).
    demo_epochs: epochs of the tiny demonstration model (02).
    image_epochs: epochs of the image VAE (03 and ``vae-tutorial train-images``).
    iwae_k: importance samples per example for the IWAE estimate of -log p(x).
    text_epochs: epochs of each text model (04).
    text_train_size: at most this many training sentences in 04 (full mode: all of them).
    text_iwae_k: importance samples per held-out sentence (04) or post chunk (05).
    blog_epochs: at most this many epochs of a blog-post VAE (05, ``vae-tutorial train-text``).
    blog_posts: at most this many posts of the sample corpus in 05 (full mode: all 300).
    compare_epochs: epochs of each model in 05's LSTM-vs-GRU comparison.
    constraint_epochs: epochs of the unconditioned and the conditional text VAE (06).
    constraint_samples: generated texts per topic when measuring topic adherence (06).
    w2v_epochs: passes of Word2Vec over the training windows (06).
    """

    fast: bool
    seed: int = 42
    mc_samples: int = 200_000
    grad_repeats: int = 2_000
    demo_epochs: int = 20
    image_epochs: int = IMAGE_RECIPES["default"].epochs  # the recipe's own, chosen by benchmarks/image_vae.py
    iwae_k: int = 200
    text_epochs: int = 10
    text_train_size: int = 100_000
    text_iwae_k: int = 50
    blog_epochs: int = 12
    blog_posts: int = 300
    compare_epochs: int = 2
    constraint_epochs: int = 9
    constraint_samples: int = 50
    w2v_epochs: int = 100


_FAST_OVERRIDES = {
    "mc_samples": 20_000,
    "grad_repeats": 300,
    "demo_epochs": 3,
    "image_epochs": 2,
    "iwae_k": 20,
    "text_epochs": 1,
    "text_train_size": 256,
    "text_iwae_k": 5,
    "blog_epochs": 2,
    "blog_posts": 40,
    "compare_epochs": 1,
    "constraint_epochs": 1,
    "constraint_samples": 5,
    "w2v_epochs": 5,
}


def settings() -> Settings:
    """Full-mode settings, or the scaled-down ones when ``VAE_TUTORIAL_FAST`` is 1/true/yes."""
    fast = os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
    return Settings(fast=True, **_FAST_OVERRIDES) if fast else Settings(fast=False)


def output_dir(*parts: str) -> Path:
    """Folder for generated files: ``$VAE_TUTORIAL_OUTPUT`` or the project's ``build/``.

    The project root is the nearest folder, from the working directory up, that holds both
    ``notebooks/`` and ``vae_tutorial/`` (so a notebook run from ``notebooks/`` writes to the
    same ``build/`` as ``make run``); elsewhere it is ``./build``. That default is returned
    relative to the working directory (``../build/05`` in a notebook), so that the paths a
    notebook prints are the same on every machine. Created if missing.
    """
    root = os.environ.get("VAE_TUTORIAL_OUTPUT")
    if root is None:
        here = Path.cwd().resolve()
        project = next(
            (p for p in (here, *here.parents) if (p / "notebooks").is_dir() and (p / "vae_tutorial").is_dir()),
            here,
        )
        root = Path(os.path.relpath(project / "build", here))
    path = Path(root).joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_figures(notebook: str, figures: dict) -> Path:
    """Write a notebook's key figures ({name: number or short text}) to ``build/NN/figures.json``,
    where ``make run`` reads them for its summary. Returns the path."""
    path = output_dir(notebook) / "figures.json"
    path.write_text(json.dumps(figures, indent=1, default=float), encoding="utf-8")
    return path

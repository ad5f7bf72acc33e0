"""The series' diagrams, drawn with matplotlib (no Graphviz needed) into ``notebooks/figures/``.

    python -m vae_tutorial.course.diagrams [FOLDER]     # default: notebooks/figures

Each diagram is a function that returns a figure; :data:`DIAGRAMS` maps the file name (PNG) to
it. Boxes are coloured by role: data (grey), network (blue), random draw (yellow), code or
condition (green), loss (red); solid arrows are the forward pass, dashed red ones gradients.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no window, whatever backend the caller's environment names
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D
from matplotlib.patches import (
    FancyBboxPatch,  # noqa: E402
    Patch,
)

COLOURS = {"data": "#e6e6e6", "net": "#cfe2f3", "random": "#fff2cc", "code": "#d9ead3", "loss": "#f4cccc"}
GRADIENT = "#c0392b"
FONT = 10  # points: every label is at least this size
DPI = 130


def _canvas(width: float, height: float):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(0, width)
    ax.set_ylim(-0.5, height)  # the strip below 0 holds the legend
    ax.set_axis_off()
    return fig, ax


def _box(ax, x: float, y: float, text: str, kind: str, width: float = 1.6, height: float = 0.7) -> dict:
    """A rounded box centred at (x, y); returns its geometry for :func:`_arrow`."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.04,rounding_size=0.12",
            facecolor=COLOURS[kind],
            edgecolor="#555555",
            linewidth=1.0,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT)
    return {"x": x, "y": y, "w": width, "h": height}


def _edge(box: dict, toward: dict) -> tuple[float, float]:
    """The point on ``box``'s border in the direction of ``toward``'s centre."""
    dx, dy = toward["x"] - box["x"], toward["y"] - box["y"]
    if abs(dx) * box["h"] >= abs(dy) * box["w"]:  # leaves through the left or right side
        scale = box["w"] / 2 / abs(dx)
    else:
        scale = box["h"] / 2 / abs(dy)
    return box["x"] + dx * scale, box["y"] + dy * scale


def _arrow(ax, a: dict, b: dict, label: str = "", gradient: bool = False, offset: float = 0.0) -> None:
    """An arrow from box a to box b (dashed and red for a gradient), ``offset`` moves it sideways."""
    (x0, y0), (x1, y1) = _edge(a, b), _edge(b, a)
    if offset:
        length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        nx, ny = -(y1 - y0) / length * offset, (x1 - x0) / length * offset
        x0, y0, x1, y1 = x0 + nx, y0 + ny, x1 + nx, y1 + ny
    style = {"color": GRADIENT, "linestyle": "--", "linewidth": 1.4} if gradient else {"color": "#333333"}
    ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "-|>", "shrinkA": 1, "shrinkB": 1, **style})
    if label:
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.18, label, ha="center", va="bottom", fontsize=FONT - 1)


def _legend(fig, kinds: list[str], gradient: bool = False) -> None:
    """A one-row legend of the box colours (and the gradient arrow) under the figure."""

    names = {"data": "data", "net": "network", "random": "random draw", "code": "code", "loss": "loss"}
    handles = [Patch(facecolor=COLOURS[k], edgecolor="#555555", label=names[k]) for k in kinds]
    if gradient:
        handles.append(Line2D([], [], color=GRADIENT, linestyle="--", label="gradient"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=FONT, frameon=False)


def reparameterization():
    """Notebook 02: where the gradient stops when z is drawn, and where it flows when z = μ + σ ⊙ ε."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for ax, reparameterized in zip(axes, (False, True), strict=True):
        ax.set_xlim(0, 6)
        ax.set_ylim(0, 4.4)
        ax.set_axis_off()
        x = _box(ax, 0.9, 2.2, "x", "data", width=0.9)
        enc = _box(ax, 0.9, 3.6, "encoder", "net", width=1.5)
        mu = _box(ax, 2.6, 3.6, "μ, log σ²", "code", width=1.4)
        loss = _box(ax, 5.35, 1.0, "loss", "loss", width=1.0)
        dec = _box(ax, 5.35, 2.3, "decoder", "net", width=1.2)
        _arrow(ax, x, enc)
        _arrow(ax, enc, mu)
        if reparameterized:
            eps = _box(ax, 2.6, 1.0, "ε ~ N(0, I)", "random", width=1.6)
            z = _box(ax, 3.45, 2.3, "z = μ + σ ⊙ ε", "code", width=1.8)
            _arrow(ax, mu, z)
            _arrow(ax, eps, z)
            ax.set_title("z = μ + σ ⊙ ε: the draw is an input, the gradient reaches μ and σ", fontsize=FONT + 1)
        else:
            z = _box(ax, 3.45, 2.3, "z ~ N(μ, σ²)", "random", width=1.8)
            _arrow(ax, mu, z)
            ax.text(2.35, 2.95, "draw", fontsize=FONT - 1, ha="right")
            ax.text(2.95, 2.95, "✕", color=GRADIENT, fontsize=18, ha="center", va="center", fontweight="bold")
            ax.set_title("z drawn from N(μ, σ²): no derivative of a draw, the gradient stops", fontsize=FONT + 1)
        _arrow(ax, z, dec)
        _arrow(ax, dec, loss)
        _arrow(ax, loss, dec, gradient=True, offset=0.2)
        _arrow(ax, dec, z, gradient=True, offset=0.2)
        if reparameterized:
            _arrow(ax, z, mu, gradient=True, offset=0.2)
            _arrow(ax, mu, enc, gradient=True, offset=0.2)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    _legend(fig, ["data", "net", "random", "code", "loss"], gradient=True)
    return fig


def image_vae():
    """Notebook 03: the image VAE's forward pass and its two loss terms."""
    fig, ax = _canvas(12, 4.3)
    x = _box(ax, 0.9, 2.6, "image x\n28 × 28", "data", width=1.3, height=0.9)
    enc = _box(ax, 2.9, 2.6, "encoder\nDense 512, 256", "net", width=1.9, height=0.9)
    mu = _box(ax, 5.0, 2.6, "μ, log σ²\n(d each)", "code", width=1.5, height=0.9)
    eps = _box(ax, 6.8, 3.85, "ε ~ N(0, I)", "random", width=1.5, height=0.55)
    z = _box(ax, 6.8, 2.6, "Sampling\nz = μ + σ ⊙ ε", "code", width=1.7, height=0.9)
    dec = _box(ax, 8.9, 2.6, "decoder\nDense 256, 512", "net", width=1.9, height=0.9)
    logits = _box(ax, 10.9, 2.6, "784 logits\n(one per pixel)", "data", width=1.7, height=0.9)
    kl = _box(ax, 5.0, 1.3, "KL(q ‖ N(0, I))\nclosed form", "loss", width=2.0, height=0.7)
    rec = _box(ax, 10.9, 0.55, "Bernoulli NLL\nof x's pixels", "loss", width=1.9, height=0.8)
    for a, b in ((x, enc), (enc, mu), (mu, z), (eps, z), (z, dec), (dec, logits), (logits, rec), (mu, kl)):
        _arrow(ax, a, b)
    ax.annotate(
        "",
        (rec["x"] - rec["w"] / 2, rec["y"]),
        (x["x"], x["y"] - x["h"] / 2),
        arrowprops={"arrowstyle": "-|>", "color": "#777777", "connectionstyle": "angle,angleA=-90,angleB=180,rad=0"},
    )
    ax.text(2.2, 0.62, "the same image is the target", fontsize=FONT - 1, color="#555555")
    ax.text(8.1, 3.85, "loss = reconstruction + β · KL   (nats per image)", fontsize=FONT, ha="left")
    _legend(fig, ["data", "net", "random", "code", "loss"])
    return fig


def text_vae():
    """Notebook 04: the autoregressive text VAE trained with teacher forcing and word dropout (top),
    and the same decoder writing free-running at generation, fed its own previous token (bottom)."""
    fig, ax = _canvas(12, 6.6)
    ids = _box(ax, 1.05, 5.1, "tokens\nthe fire spread [EOS]", "data", width=2.0, height=0.9)
    enc = _box(ax, 3.15, 5.1, "embedding,\nrecurrent encoder", "net", width=1.8, height=0.9)
    mu = _box(ax, 5.0, 5.1, "μ, log σ²", "code", width=1.4)
    eps = _box(ax, 7.0, 6.15, "ε ~ N(0, I)", "random", width=1.5, height=0.55)
    z = _box(ax, 7.0, 5.1, "z = μ + σ ⊙ ε", "code", width=1.7)
    kl = _box(ax, 5.0, 4.0, "KL(q ‖ N(0, I))", "loss", width=1.9, height=0.6)
    shifted = _box(ax, 3.0, 2.8, "[BOS] the [UNK] spread\n(shifted right; word dropout)", "data", width=3.0, height=0.9)
    dec = _box(
        ax, 7.0, 2.8, "GRU or LSTM decoder\nz at every step\nand as its first state", "net", width=2.3, height=1.1
    )
    out = _box(ax, 10.4, 2.8, "next-token logits\nthe fire spread [EOS]", "data", width=2.2, height=0.9)
    rec = _box(ax, 10.4, 4.4, "token NLL\n(padding masked)", "loss", width=2.0, height=0.8)
    for a, b in ((ids, enc), (enc, mu), (mu, z), (eps, z), (z, dec), (shifted, dec), (dec, out), (out, rec), (mu, kl)):
        _arrow(ax, a, b)
    ax.text(
        0.2,
        3.75,
        "training, teacher forcing: the decoder\nreads the true previous word, not its own",
        fontsize=FONT - 1,
        ha="left",
        color="#555555",
    )
    ax.plot([0.1, 11.9], [1.85, 1.85], color="#999999", linewidth=0.8, linestyle=":")
    code = _box(ax, 1.05, 0.75, "a code z\n(posterior or prior)", "code", width=2.0, height=0.8)
    step = _box(ax, 4.6, 0.75, "decoder, one step:\nz and the previous token", "net", width=2.6, height=0.8)
    pick = _box(ax, 8.2, 0.75, "choose a token\n(greedy, beam, top-p)", "random", width=2.4, height=0.8)
    text = _box(ax, 10.9, 0.75, "the fire …\nuntil [EOS]", "data", width=1.7, height=0.8)
    for a, b in ((code, step), (step, pick), (pick, text)):
        _arrow(ax, a, b)
    ax.annotate(
        "",
        (step["x"] + 0.5, step["y"] - 0.42),
        (pick["x"] - 0.5, pick["y"] - 0.42),
        arrowprops={"arrowstyle": "-|>", "color": "#333333", "connectionstyle": "arc3,rad=-0.35"},
    )
    ax.text(6.4, -0.3, "fed back: the token it chose", fontsize=FONT - 1, ha="center", color="#555555")
    ax.text(
        0.2,
        1.45,
        "generation, free-running: the decoder reads its own previous token",
        fontsize=FONT - 1,
        ha="left",
        color="#555555",
    )
    _legend(fig, ["data", "net", "random", "code", "loss"])
    return fig


def conditional_vae():
    """Notebook 06: where the constraint enters a conditional VAE, and how a post is steered."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), gridspec_kw={"width_ratios": [1.6, 1]})
    ax = axes[0]
    ax.set_xlim(0, 9)
    ax.set_ylim(0, 4.8)
    ax.set_axis_off()
    ids = _box(ax, 0.8, 3.5, "window\n(tokens)", "data", width=1.3, height=0.8)
    cond = _box(
        ax,
        1.05,
        1.0,
        "constraint c\n(training: the window's\nmean word vector;\ngeneration: a topic's)",
        "code",
        width=1.85,
        height=1.3,
    )
    enc = _box(ax, 2.9, 3.5, "encoder\n[summary, c]", "net", width=1.6, height=0.8)
    mu = _box(ax, 4.75, 3.5, "μ, log σ²", "code", width=1.3)
    eps = _box(ax, 6.5, 4.35, "ε ~ N(0, I)", "random", width=1.4, height=0.5)
    z = _box(ax, 6.5, 3.5, "z = μ + σ ⊙ ε", "code", width=1.6)
    kl = _box(ax, 4.75, 2.35, "KL(q(z | x, c) ‖ N(0, I))", "loss", width=2.4, height=0.55)
    dec = _box(ax, 6.5, 1.0, "decoder\n[z, c] at every step", "net", width=2.0, height=0.8)
    out = _box(ax, 8.4, 2.2, "window\nagain", "data", width=1.1, height=0.8)
    for a, b in ((ids, enc), (cond, enc), (enc, mu), (mu, z), (eps, z), (mu, kl), (z, dec), (cond, dec), (dec, out)):
        _arrow(ax, a, b)
    _arrow(ax, ids, cond, offset=-0.15)
    ax.text(0.12, 2.3, "its words'\nvectors", fontsize=FONT - 1, ha="left", color="#555555")
    ax.set_title(
        "Conditional VAE: c enters the encoder and the decoder;\nto generate, c = a topic's vector", fontsize=FONT + 1
    )
    ax = axes[1]
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 4.6)
    ax.set_axis_off()
    post = _box(ax, 0.9, 3.5, "your post's\nwindow", "data", width=1.5, height=0.8)
    code = _box(ax, 0.9, 1.8, "its code z", "code", width=1.4)
    topic = _box(ax, 4.1, 3.5, "topic code\n(mean code of\nsentences on it)", "code", width=1.7, height=1.0)
    moved = _box(ax, 2.75, 1.8, "z + s (t − z)", "code", width=1.4)
    dec = _box(ax, 4.1, 0.8, "decoder", "net", width=1.3)
    for a, b in ((post, code), (code, moved), (topic, moved), (moved, dec)):
        _arrow(ax, a, b)
    ax.text(0.98, 2.65, "encoder", fontsize=FONT - 1, ha="left", color="#555555")
    ax.set_title("Steering a post: move its code a share s\ntoward the topic's code t", fontsize=FONT + 1)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    _legend(fig, ["data", "net", "random", "code", "loss"])
    return fig


DIAGRAMS = {
    "reparameterization.png": reparameterization,
    "image_vae.png": image_vae,
    "text_vae.png": text_vae,
    "conditional_vae.png": conditional_vae,
}


def draw_all(folder: Path) -> list[Path]:
    """Draw every diagram into ``folder`` (created if needed); returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in DIAGRAMS.items():
        fig = draw()
        fig.savefig(folder / name, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        written.append(folder / name)
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Draw the series' diagrams (PNG).")
    parser.add_argument("folder", nargs="?", type=Path, default=Path("notebooks/figures"))
    args = parser.parse_args(argv)
    for path in draw_all(args.folder):
        print(path)


if __name__ == "__main__":
    main()

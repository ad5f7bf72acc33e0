"""Anomaly detection with a VAE: the negative ELBO of each image as its score, the ROC AUC of a score,
and the histogram that shows both groups (notebook 03)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from vae_tutorial.errors import DataError, finite
from vae_tutorial.theory.estimates import elbo_terms
from vae_tutorial.theory.plots import new_axes


def anomaly_scores(model, x, n_samples: int = 10, seed: int = 0) -> np.ndarray:
    """Negative ELBO per example (n,) in nats: high means the model finds x unlikely."""
    terms = elbo_terms(model, x, n_samples, seed)
    return terms["reconstruction"] + terms["kl"]


def roc_auc(normal_scores, anomalous_scores) -> float:
    """Area under the ROC curve of a score that should be higher for anomalies: the probability
    that a random anomaly scores above a random normal example (ties count half)."""
    normal = finite("normal_scores", normal_scores, np.float64).ravel()
    anomalous = finite("anomalous_scores", anomalous_scores, np.float64).ravel()
    for name, scores in [("normal_scores", normal), ("anomalous_scores", anomalous)]:
        if not len(scores):
            raise DataError(name, "is empty", "Pass at least one score.")
    greater = (anomalous[:, None] > normal[None, :]).sum()
    ties = (anomalous[:, None] == normal[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(normal) * len(anomalous)))


def plot_score_histogram(
    scores: Mapping[str, np.ndarray],
    threshold: float | None = None,
    ax=None,
    title: str | None = None,
    log: bool = False,
    colors: Mapping[str, str] | None = None,
):
    """Overlaid histograms of anomaly scores (negative ELBO, nats) per group, e.g. digits vs noise.

    Each group's bars are shares of that group (groups of different sizes compare), in the colour
    ``colors[name]`` (pass the same mapping to every panel; default: tab10 in the order given).
    log=True uses logarithmic bins and axis, for scores that span orders of magnitude; otherwise
    the axis ends at the 99.5th percentile of all scores, and a group with scores beyond it says
    how many in its legend entry (nothing is clipped silently)."""
    ax = new_axes(ax)
    colors = dict(colors or zip(scores, plt.cm.tab10.colors, strict=False))
    everything = np.concatenate([np.asarray(v) for v in scores.values()])
    if log:
        bins = np.geomspace(max(everything.min(), 1e-3), everything.max(), 60)
    else:
        bins = np.linspace(everything.min(), np.percentile(everything, 99.5), 60)
    for name, values in scores.items():
        values = np.asarray(values)
        beyond = int(np.sum(values > bins[-1]))
        label = name if not beyond else f"{name} ({beyond} of {len(values)} beyond the axis)"
        weights = np.full(len(values), 1.0 / len(values))
        ax.hist(values, bins=bins, weights=weights, alpha=0.55, label=label, color=colors[name])
    if threshold is not None:
        ax.axvline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:.0f}")
    if log:
        ax.set_xscale("log")
    ax.set_xlabel("negative ELBO (nats per image)")
    ax.set_ylabel("share of the group's images")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax

"""Seeding Python, NumPy and Keras/TensorFlow: the same seed, the same weights and losses.

Light to import (TensorFlow loads when :func:`seed_everything` is called), so that
:mod:`vae_tutorial.config` can offer it beside the settings without loading TensorFlow.
"""

from __future__ import annotations

import random

import numpy as np

from vae_tutorial.errors import DataError


def seed_everything(seed: int = 42, deterministic: bool = False) -> None:
    """Seed Python, NumPy and Keras/TensorFlow.

    Call it right before building a model: the same seed then gives the same initial
    weights and the same losses on a rerun on the same machine, up to ~1e-7 float noise from
    multi-threaded kernels. ``deterministic=True`` removes that noise too (bit-identical
    losses): TensorFlow runs each op on one thread with deterministic kernels, which is
    slower. It must come before TensorFlow's first operation in the process (first thing in
    a script or notebook); later, it raises a DataError saying so.
    """
    random.seed(seed)
    np.random.seed(seed)
    from vae_tutorial._backend import keras, tf  # TensorFlow (~5 s): config imports this module and stays light

    if deterministic:
        threading = tf.config.threading
        if (threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads()) != (1, 1):
            try:
                threading.set_intra_op_parallelism_threads(1)
                threading.set_inter_op_parallelism_threads(1)
            except RuntimeError:
                raise DataError(
                    "deterministic",
                    "TensorFlow has already started its thread pools, so they cannot be pinned to one thread",
                    "Call seed_everything(seed, deterministic=True) before any TensorFlow work "
                    "(first in the script, or after restarting the kernel).",
                ) from None
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)

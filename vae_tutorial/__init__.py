"""Companion package of the vae-tutorial notebook series.

Importing ``vae_tutorial`` is cheap: it does not import TensorFlow. Modules that need
TensorFlow (``sampling``, ``losses``, the models) import it through ``vae_tutorial._backend``.
"""

import os as _os
import sys as _sys

# Keras 3 reads its backend from the environment when it is first imported.
if not _os.environ.get("KERAS_BACKEND"):  # unset or empty: Keras would pick TensorFlow too
    _os.environ["KERAS_BACKEND"] = "tensorflow"
# Hide TensorFlow's C++ log lines, INFO to ERROR (oneDNN logs harmless fallbacks as errors);
# the few printed before logging is set up are swallowed by vae_tutorial._backend.
# Python exceptions are unaffected. export TF_CPP_MIN_LOG_LEVEL=0 to see everything.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.3.0"


def _check_backend() -> None:
    """Raise a RuntimeError unless Keras runs (or will run) on the TensorFlow backend.

    The models train with ``tf.GradientTape`` and TensorFlow graphs, so Keras on JAX or PyTorch
    would fail deep inside ``fit``. Reads ``KERAS_BACKEND`` and, if Keras is imported already,
    the backend it chose; imports nothing."""
    wanted = _os.environ["KERAS_BACKEND"]
    keras = _sys.modules.get("keras")
    running = keras.backend.backend() if keras is not None and hasattr(keras, "backend") else None
    if (running or wanted) != "tensorflow":
        where = f"Keras was imported with the {running!r} backend" if running else f"KERAS_BACKEND={wanted!r}"
        raise RuntimeError(
            f"vae_tutorial needs Keras on the TensorFlow backend, but {where}. Unset KERAS_BACKEND or "
            "set KERAS_BACKEND=tensorflow before starting Python (in Jupyter: then restart the kernel)."
        )


_check_backend()

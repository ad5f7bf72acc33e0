"""The one module that imports TensorFlow and Keras: quietly, and only on the TensorFlow backend.

TensorFlow's C++ runtime prints a few lines (oneDNN, CUDA probing) before its logging is
configured, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them. They are written straight to
file descriptor 2, which is silenced here while TensorFlow loads and probes its devices.
Real errors still surface: Python exceptions are raised as usual. TensorFlow's Python logger
is set to ERROR (it warns about tf.function retracing on every new batch size).

Every other module imports ``tf`` and ``keras`` from here (``from vae_tutorial._backend import
keras, tf``), never from Keras' private modules: the package uses public API only.
``import vae_tutorial`` has checked the backend before this module runs (see ``__init__``).
"""

import os
import sys


def _import_quietly():
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow  # here, with file descriptor 2 silenced: its start-up lines go nowhere

        tensorflow.config.list_physical_devices()
        # TensorFlow's Python logger warns about retracing when predict() meets a new batch
        # size (every evaluation does): informative for TensorFlow developers, noise here.
        tensorflow.get_logger().setLevel("ERROR")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow


tf = _import_quietly()
import keras  # noqa: E402  (after TensorFlow, whose start-up lines are silenced above)

__all__ = ["keras", "tf"]

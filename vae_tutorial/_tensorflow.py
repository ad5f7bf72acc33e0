"""Import TensorFlow once, without its start-up lines on stderr.

TensorFlow's C++ runtime prints a few lines (oneDNN, CUDA probing) before its logging is
configured, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them. They are written straight to
file descriptor 2, which is silenced here while TensorFlow loads and probes its devices.
Real errors still surface: Python exceptions are raised as usual. TensorFlow's Python logger
is set to ERROR (it warns about tf.function retracing on every new batch size).
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
        import tensorflow

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

"""Companion package of the vae-tutorial notebook series.

Importing ``vae_tutorial`` is cheap: it does not import TensorFlow. Modules that need
TensorFlow (``sampling``, ``losses``, the models) import it themselves, quietly.
"""

import os as _os

# Keras 3 reads its backend from the environment when it is first imported.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Hide TensorFlow's C++ log lines, INFO to ERROR (oneDNN logs harmless fallbacks as errors);
# the few printed before logging is set up are swallowed by vae_tutorial._tensorflow.
# Python exceptions are unaffected. export TF_CPP_MIN_LOG_LEVEL=0 to see everything.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"

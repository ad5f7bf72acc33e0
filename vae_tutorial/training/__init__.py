"""Training, the same for every model of the series: typed recipes, the one ``fit``, the callbacks (KL
annealing, resumable early stopping, ``EpochLine`` progress), crash-consistent checkpoints, one lock per
model directory, the model-directory format, and the model kinds.

``from vae_tutorial import training`` then ``training.EpochLine(...)``: each name loads its module on first use.
"""

from vae_tutorial._faces import face

__getattr__, __dir__, __all__ = face(
    globals(),
    {
        "recipes": ("Recipe",),
        "fit": ("fit",),
        "run": ("train_into",),
        "callbacks": ("EpochLine", "InterruptAfterEpoch", "KLAnnealing", "ResumableEarlyStopping"),
    },
)

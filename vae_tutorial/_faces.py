"""The face of a subject folder: its ``__init__`` names what a notebook uses, imported on first use.

``from vae_tutorial import images`` then ``images.ImageVAE`` (or ``from vae_tutorial.images import
ImageVAE``) imports ``vae_tutorial.images.vae`` when the name is first asked for (PEP 562's module
``__getattr__``, the lazy loading of Scientific Python's SPEC 1). So a light module of a subject
(the command line's argument checks, the notebooks' version guard) never pays for TensorFlow
because a heavy module of the same folder exists: importing a folder runs its ``__init__``, and
an ``__init__`` that imported every name would load TensorFlow for anyone who reads a CSV.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def face(namespace: dict, exports: dict[str, tuple[str, ...]]) -> tuple[Callable, Callable, list[str]]:
    """(``__getattr__``, ``__dir__``, ``__all__``) of a package's ``__init__``, whose ``globals()``
    is ``namespace``: ``__getattr__, __dir__, __all__ = face(globals(), {"vae": ("ImageVAE",)})``.

    exports: {module: names}, the module relative to the package ("vae") or absolute
    ("vae_tutorial.theory.estimates", a name another subject homes); each name is imported from
    its module when first used, then kept in the package's namespace."""
    package = namespace["__name__"]
    homes = {}
    for module, names in exports.items():
        path = module if module.startswith("vae_tutorial.") else f"{package}.{module}"
        for name in names:
            if name in homes:
                raise ValueError(f"{package} exports {name!r} twice ({homes[name]}, {path})")
            homes[name] = path

    def __getattr__(name: str):
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(homes[name]), name)
        namespace[name] = value  # next time found without asking
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return __getattr__, __dir__, sorted(homes)

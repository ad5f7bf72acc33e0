"""A model kind: everything the series knows about one kind of trained model, in one object.

A kind says which recipes it trains with (their type, the named ones, the default), how it checks
and prepares its data and builds its model (:meth:`Kind.prepare`), what a finished model directory
reports in ``metrics.json`` and holds besides the common files (:meth:`Kind.report`,
:meth:`Kind.write`), what training and loading return (:meth:`Kind.result`), and the command that
trains it, with its flags. :func:`~vae_tutorial.training.run.train_into` does what every kind shares
(the plan, the lock, checkpoints and resuming, early stopping, the summary, the final files).

A subclass sets the class attributes and overrides the hooks; the subjects hold the kinds
(:mod:`vae_tutorial.images.kinds`, :mod:`vae_tutorial.text.kinds`), and the command line builds its
commands from them. This module is light: the kinds are read by the command line before TensorFlow loads.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from vae_tutorial.files import probe
from vae_tutorial.errors import MAX_SEED, DataError
from vae_tutorial.training.recipes import WHOLE, Recipe, get_recipe


@dataclasses.dataclass(frozen=True)
class Flag:
    """One flag of a command and the keyword argument it stands for in Python: the one mapping that
    error messages use to speak the caller's language (``pattern="*.md"`` in Python is ``--pattern
    '*.md'`` on the command line). ``options`` are argparse's (type, default, choices, action, ...)."""

    flag: str
    keyword: str
    help: str
    options: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Group:
    """Flags of which at most one may be given (exactly one if ``required``)."""

    flags: tuple[Flag, ...]
    required: bool = False


@dataclasses.dataclass(frozen=True)
class Command:
    """A ``vae-tutorial`` command: its name, texts, flags and what it does with the parsed arguments
    (``run(args) -> exit status``). ``resumable``: Ctrl-C leaves something the same command resumes."""

    name: str
    help: str
    description: str
    flags: tuple[Flag | Group, ...]
    run: Callable[[Any], int]
    resumable: bool = False

    def keywords(self) -> dict[str, str]:
        """{keyword: flag} of every flag, e.g. {"text_column": "--text-column", "n": "-n"}."""
        flags = [f for item in self.flags for f in (item.flags if isinstance(item, Group) else (item,))]
        return {flag.keyword: flag.flag for flag in flags}


def number(low, high, kind=int):
    """An argparse type: a finite number of ``kind`` (int: a whole number) from low to high, else a
    usage error naming the range."""
    noun = "a whole number" if kind is int else "a number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"must be {noun} from {low} to {high}, got {text}")
        return value

    return parse


def whole(field: str):
    """The argparse type of a recipe's whole-number field: the recipe's own bounds."""
    low, high, _ = WHOLE[field]
    return number(low, high)


def seed_flag(help: str) -> Flag:
    return Flag("--seed", "seed", help, {"type": number(0, MAX_SEED), "default": 0})


# The flags every training command shares.
TRAINING_FLAGS = (
    Flag(
        "--force",
        "force",
        "train a new model over a finished one (which stays, loadable, until the new one is "
        "finished and replaces it), or over an interrupted run with other settings",
        {"action": "store_true"},
    ),
    Flag("--quiet", "quiet", "one line per epoch instead of a progress bar", {"action": "store_true"}),
    Flag(
        "--distribute",
        "strategy",
        "mirrored: tf.distribute.MirroredStrategy over all local GPUs (default none: one device)",
        {"choices": ["none", "mirrored"], "default": "none"},
    ),
)


def verbose(args) -> str:
    """What a training command shows: with --quiet one short line per epoch, else Keras' progress bar."""
    return "lines" if args.quiet else "auto"


def check_out(out, folder=None) -> None:
    """A DataError unless ``out`` can be created and lies outside the data ``folder`` (else the next run
    would read the model's own files, such as samples.png, as data)."""
    probe("out", out)
    if folder is not None:
        probe("folder", folder)
    out = Path(out).resolve()
    if folder is not None and out.is_relative_to(Path(folder).resolve()):
        raise DataError(
            "out",
            f"{out} is {'the same folder as' if out == Path(folder).resolve() else 'inside'} the data folder "
            f"{folder}: the model's files would become training data",
            "Pass an out= (--out) outside the data folder.",
        )
    existing = next(parent for parent in (out, *out.parents) if parent.exists())
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise DataError("out", f"cannot be written: {existing} is not writable", "Pass a folder you can write to.")


@dataclasses.dataclass
class Job:
    """A kind's data made ready to train, what :meth:`Kind.prepare` returns and every later hook reads.

    build: makes the model (called inside the training strategy's scope); train, validation: what
    ``fit`` takes as x and as validation data (a tuple, or None); data: config.json's record of
    what was trained on; plan: settings besides the recipe that a resumed run must share; start:
    config.json's training record known before training (what a fine-tuned model started from);
    context: the kind's own (a tokenizer, test arrays, topics); seed: the run's."""

    recipe: Recipe
    build: Callable[[], Any]
    train: Any
    validation: tuple | None
    seed: int
    data: dict = dataclasses.field(default_factory=dict)
    plan: dict = dataclasses.field(default_factory=dict)
    start: dict = dataclasses.field(default_factory=dict)
    context: Any = None


class Kind:
    """The base of the kinds. A subclass sets:

    name: config.json's ``kind`` ("images", "text", "pretrained"); title: what it is, for messages;
    recipes: the named recipes, all of one recipe type; default_recipe: the name of the default;
    files: the files of a finished model directory besides model.keras, config.json, metrics.json
    and history.csv; options: its keyword arguments besides the recipe's fields, with defaults
    (``iwae_k``, ``source``, ...); command: the name of the command that trains it (None: Python only).
    all_files: every file or folder a directory of this kind may hold (what a model replaced with
    ``force`` may leave behind, removed when the new one is finished), by default ``files``.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    recipes: ClassVar[dict[str, Recipe]]
    default_recipe: ClassVar[str] = "default"
    files: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[dict[str, Any]] = {}
    command: ClassVar[str | None] = None
    records_machine: ClassVar[bool] = False  # config.json says which machine trained (OS, CPUs, GPUs)

    @property
    def how(self) -> str:
        """How a directory of this kind is made, for messages: "vae-tutorial train-images"."""
        return f"vae-tutorial {self.command}" if self.command else f"{type(self).__name__}.train_into"

    @property
    def all_files(self) -> tuple[str, ...]:
        return self.files

    @property
    def recipe_type(self) -> type[Recipe]:
        return type(self.recipes[self.default_recipe])

    def recipe(self, recipe=None, **changes) -> Recipe:
        """``recipe`` (one of this kind's recipe type, a name in ``recipes``, None: the default) with
        ``changes`` (recipe fields); a DataError names an unknown recipe or field."""
        chosen = self.default_recipe if recipe is None else recipe
        return get_recipe(chosen, self.recipes, self.recipe_type).replace(**changes)

    def split(self, keywords: dict) -> tuple[dict, dict]:
        """(recipe changes, options) from the keyword arguments of a training call; a DataError names
        a keyword that is neither a field of the recipe nor an option of the kind."""
        fields = [field.name for field in dataclasses.fields(self.recipe_type)]
        unknown = sorted(set(keywords) - set(fields) - set(self.options))
        if unknown:
            known = ", ".join([*fields, *self.options])
            raise DataError(", ".join(unknown), f"not a setting of {self.title}", f"Use any of {known}.")
        changes = {key: value for key, value in keywords.items() if key in fields}
        options = {**self.options, **{key: value for key, value in keywords.items() if key not in fields}}
        return changes, options

    def directory_files(self, path: Path) -> tuple[str, ...]:
        """The files of the finished directory at ``path`` besides the common ones (a kind whose
        files depend on how it was trained reads ``path``)."""
        return self.files

    # --- hooks -----------------------------------------------------------------------------

    def prepare(self, data, recipe, changes: dict, seed: int, options: dict) -> Job:
        """Check ``data`` and make it ready: the recipe chosen and changed, the model's builder, the
        arrays; every mistake a DataError, before a model directory is touched."""
        raise NotImplementedError

    def check(self, data, options: dict) -> None:
        """The checks of ``data`` and ``options`` that need no model (and no TensorFlow): the command
        line runs them before it loads anything, :meth:`prepare` runs them first."""

    def report(self, model, job: Job, options: dict) -> dict:
        """metrics.json of a finished directory: held-out figures, with their units."""
        raise NotImplementedError

    def write(self, folder: Path, model, job: Job) -> None:
        """Write this kind's own files (``files``) into ``folder`` (the common ones are written for it)."""

    def model_class(self) -> type:
        """The Keras class of this kind's model (safe-mode loading checks that a file holds one)."""
        raise NotImplementedError

    def result(self, model, config: dict, metrics: dict, history: dict, path: Path | None = None, job=None):
        """What training into a directory and loading one return; by default a :class:`Trained`.
        path: the directory, when it is loaded (its own files are read from there); job: when trained."""
        return Trained(model, config, metrics, history)

    # --- training and loading ----------------------------------------------------------------

    def train(self, data, recipe=None, *, seed: int = 0, strategy=None, callbacks=(), verbose="auto", **changes):
        """Train in memory (no model directory): (model, Keras history). data and recipe as for
        :meth:`train_into`; ``changes``: recipe fields (``epochs=3``)."""
        return _run().train(
            self, data, recipe, seed=seed, strategy=strategy, callbacks=callbacks, verbose=verbose, **changes
        )

    def train_into(self, out, data=None, recipe=None, **keywords):
        """Train into the model directory ``out``: see :func:`vae_tutorial.training.run.train_into`."""
        return _run().train_into(out, self, data, recipe, **keywords)

    def load(self, path):
        """A finished model directory of this kind, as training returned it; a DataError says what is wrong."""
        return _run().load(path, self)

    def __repr__(self) -> str:
        return f"<kind {self.name!r}: {self.title}>"


def _run():
    """The module that trains and loads; it imports TensorFlow, which the command line loads only
    after checking its arguments."""
    from vae_tutorial.training import run  # TensorFlow (~5 s): the kinds are read before it loads

    return run


@dataclasses.dataclass
class Trained:
    """A trained model and its directory's records: config.json, metrics.json and history.csv as
    {column: values per epoch}."""

    model: Any
    config: dict
    metrics: dict
    history: dict[str, list[float]]

"""Errors raised for a user's mistake: one message that says where, what and what to do; and the
checks of arrays and numbers that several modules share."""

import math
import numbers
import re
import shlex
from collections.abc import Mapping

import numpy as np

# In a fix, a keyword argument with a value: text_column="body", force=True, n=5. A lookbehind keeps
# "vae-tutorial==0.1" and "--out=x" out.
_KEYWORD = re.compile(r"""(?<![\w\-=])([a-z_]\w*)=(?!=)("[^"]*"|'[^']*'|True|False|None|[-+]?\.?\d[\w.+-]*)?""")
_CALL = re.compile(r"(?<![\w.\-])[a-z_]\w*\(")  # a Python call in a fix: load_blog_csv(path)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
MAX_SEED = 2**31 - 1  # the largest seed every backend takes (a signed 32-bit integer)


class DataError(ValueError):
    """Bad input from the user (an argument, a file, a folder).

    The message has three parts: ``where`` (the argument or path), ``problem`` (what is
    wrong with it) and ``fix`` (what to do instead), e.g.
    ``cov: not symmetric (max |cov - cov.T| = 0.5). Pass a symmetric matrix, e.g. (A + A.T) / 2.``

    A fix speaks Python: keyword arguments (``pattern="*.md"``) and functions. The command
    line shows it through :meth:`for_command_line`, which speaks flags instead.
    """

    def __init__(self, where: str, problem: str, fix: str) -> None:
        self.where, self.problem, self.fix = where, problem, fix
        super().__init__(f"{where}: {problem}. {fix}")

    def for_command_line(self, flags: Mapping[str, str], fallback: str) -> str:
        """The message with flags for keyword arguments: ``where`` and every ``name=value`` of the
        fix whose name is in ``flags`` ({keyword: flag}, e.g. {"text_column": "--text-column"})
        become the flag (``--text-column body``; ``--force`` for ``force=True``; a following
        "(--force)" is dropped as repeated). A sentence of the fix that still names a keyword
        argument without a flag, or a Python function, is left out; ``fallback`` (e.g. "See
        vae-tutorial train-text --help.") stands in for a fix left empty."""

        def flag(match: re.Match) -> str:
            name, value = match.group(1), match.group(2)
            if name not in flags:
                return match.group(0)
            if value is None or value == "True":
                return flags[name]
            quoted = value[0] in "\"'"
            value = value[1:-1] if quoted else value
            shown = shlex.quote(value)
            if shown == value and not re.fullmatch(r"[\w./*-]+", value):  # "," or ";": quoted, or it reads as prose
                shown = f"'{value}'"
            return f"{flags[name]} {shown}"

        fix = re.sub(r"\s*\((--[\w-]+)\)", lambda m: "" if m.group(1) in flags.values() else m.group(0), self.fix)
        kept = [_KEYWORD.sub(flag, sentence) for sentence in _SENTENCE_END.split(fix)]
        kept = [s for s in kept if not _KEYWORD.search(s) and not _CALL.search(s)]
        where = flags.get(self.where, self.where)
        return f"{where}: {self.problem}. {' '.join(kept) or fallback}"


class DataWarning(UserWarning):
    """Input that was usable but not all of it: e.g. empty, binary or duplicate posts that a loader skipped."""


def whole_number(name: str, value, example: int, low: int = 1, high: int | None = None) -> int:
    """``value`` as an int if it is a whole number (not a bool) from ``low`` to ``high`` (None: no
    cap), else a DataError naming ``name``."""
    whole = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not whole or int(value) != value or value < low:
        kind = "a positive whole number" if low == 1 else f"a whole number >= {low}"
        raise DataError(name, f"must be {kind}, got {value!r}", f"Use e.g. {example}.")
    if high is not None and value > high:
        raise DataError(name, f"must be at most {high} (the cap), got {value!r}", f"Use e.g. {example}.")
    return int(value)


def real_number(
    name: str, value, low: float, high: float, example: float, low_open: bool = False, high_open: bool = False
) -> float:
    """``value`` as a float if it is a finite number in the interval from ``low`` to ``high``
    (``low_open``/``high_open``: that end excluded), else a DataError naming ``name`` and the interval."""
    inside = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (low < value if low_open else low <= value)
        and (value < high if high_open else value <= high)
    )
    if not inside:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise DataError(name, f"must be a number in {interval}, got {value!r}", f"Use e.g. {example}.")
    return float(value)


def flag(name: str, value) -> bool:
    """``value`` as a bool if it is True or False (NumPy's too), else a DataError naming ``name``."""
    if not isinstance(value, bool | np.bool_):
        raise DataError(name, f"must be True or False, got {value!r}", f"Use {name}=True or {name}=False.")
    return bool(value)


def seed(name: str, value) -> int | None:
    """A random seed: None or a whole number from 0 to MAX_SEED."""
    return None if value is None else whole_number(name, value, 0, low=0, high=MAX_SEED)


def finite(name: str, array, dtype=np.float32) -> np.ndarray:
    """``array`` as a ``dtype`` array of numbers with no NaN or infinity; else a DataError saying how many."""
    try:
        array = np.asarray(array, dtype)
    except (TypeError, ValueError):
        raise DataError(name, "is not an array of numbers", "Pass a NumPy array of floats.") from None
    bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise DataError(name, f"contains {bad} NaN or infinite values", "Clean or drop them.")
    return array


def codes(name: str, z, latent_dim: int) -> np.ndarray:
    """Latent codes as float32 (n, latent_dim), n >= 1, all finite; else a DataError naming ``name``."""
    z = finite(name, z)
    if z.ndim != 2 or z.shape[1] != latent_dim or len(z) == 0:
        raise DataError(name, f"expected shape (n, {latent_dim}) with n >= 1, got {z.shape}", "Pass one code per row.")
    return z


def float_rows(name: str, array, width: int, width_name: str, n: int) -> np.ndarray:
    """``array`` as float32 (n, width); otherwise a DataError naming the expected size."""
    array = np.asarray(array, np.float32)
    if array.shape != (n, width):
        raise DataError(
            name,
            f"expected shape ({n}, {width}), got {array.shape}",
            f"Pass one vector of size {width} per example ({width_name}).",
        )
    return array


def token_ids(name: str, ids, max_length: int | None = None) -> np.ndarray:
    ids = np.asarray(ids, np.int32)
    if ids.ndim != 2 or len(ids) == 0 or (max_length is not None and ids.shape[1] != max_length):
        expected = "(n, max_length)" if max_length is None else f"(n, {max_length})"
        raise DataError(
            name,
            f"expected a non-empty {expected} array, got shape {ids.shape}",
            "Encode the chunks with a Vectorizer.",
        )
    return ids

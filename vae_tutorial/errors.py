"""Errors raised for a user's mistake: one message that says where, what and what to do; and the
checks of arrays and numbers that several modules share."""

import numpy as np


class DataError(ValueError):
    """Bad input from the user (an argument, a file, a folder).

    The message has three parts: ``where`` (the argument or path), ``problem`` (what is
    wrong with it) and ``fix`` (what to do instead), e.g.
    ``cov: not symmetric (max |cov - cov.T| = 0.5). Pass a symmetric matrix, e.g. (A + A.T) / 2.``
    """

    def __init__(self, where: str, problem: str, fix: str) -> None:
        self.where, self.problem, self.fix = where, problem, fix
        super().__init__(f"{where}: {problem}. {fix}")


class DataWarning(UserWarning):
    """Input that was usable but not all of it: e.g. empty, binary or duplicate posts that a loader skipped."""


def whole_number(name: str, value, example: int) -> int:
    """``value`` as an int if it is a positive whole number (not a bool), else a DataError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float) or int(value) != value or value < 1:
        raise DataError(name, f"must be a positive whole number, got {value!r}", f"Use e.g. {example}.")
    return int(value)


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

"""Errors raised for a user's mistake: one message that says where, what and what to do."""


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

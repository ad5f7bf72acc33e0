"""The ``vae-tutorial`` command: a parser built from the commands of the model kinds, and one line for
a user's mistake.

Each command (its name, flags, defaults and what it does) is declared by its subject
(:mod:`vae_tutorial.images.commands`, :mod:`vae_tutorial.text.commands`) on top of the model kinds,
where the Python API gets the same rules. A user's mistake (a bad folder, a bad number) prints one
line on stderr and exits with status 2, never a traceback, before anything is trained or written.
Numbers are checked as the arguments are parsed; the rest by the commands, whose DataError speaks
keyword arguments (``pattern="*.md"``): :func:`main` prints it with the flags of the command instead
(``--pattern '*.md'``), through the keyword-to-flag mapping each command declares (see
:meth:`~vae_tutorial.errors.DataError.for_command_line`).
"""

from __future__ import annotations

import argparse
import os
import sys

from vae_tutorial import __version__, config
from vae_tutorial.errors import DataError
from vae_tutorial.files import REFUSALS, errno_of, path_error
from vae_tutorial.images import commands as image_commands
from vae_tutorial.text import commands as text_commands
from vae_tutorial.training.kinds import Group

# The commands, in the order --help lists them: each subject declares its own.
COMMANDS = (*image_commands.COMMANDS, *text_commands.COMMANDS)

EXAMPLES = """examples:
  vae-tutorial train-images --out runs/digits
  vae-tutorial train-text --folder my_blog/ --out runs/blog        (rerun to resume)
  vae-tutorial train-text --csv posts.csv --text-column body --out runs/blog
  vae-tutorial variations --model runs/blog --text "The fire spread overnight." -n 5
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr too (status 2)."""

    def error(self, message: str):
        self.exit(2, f"vae-tutorial: error: {message}. See {self.prog} --help.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vae-tutorial",
        description="Variational Autoencoders, from the Gaussian to topic-constrained text (companion CLI).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="name")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name, help=command.help, description=command.description)
        for item in command.flags:
            group = sub.add_mutually_exclusive_group(required=item.required) if isinstance(item, Group) else sub
            for flag in item.flags if isinstance(item, Group) else (item,):
                group.add_argument(flag.flag, dest=flag.keyword, help=flag.help, **flag.options)
        sub.set_defaults(command=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.name is None:
        parser.print_help()
        return 0
    command = args.command
    try:
        code = command.run(args, config.settings())
        sys.stdout.flush()  # a reader that went away is found here, inside the try
        return code
    except BrokenPipeError:  # the reader went away (| head -1): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit's flush does not fail again
        return 141
    except (DataError, OSError) as exc:
        if isinstance(exc, OSError):  # a path the OS refused where no check expected it: still one line
            if errno_of(exc) not in REFUSALS:
                raise
            exc = path_error(command.name, exc.filename or "a file", exc, "used")
        message = exc.for_command_line(command.keywords(), f"See vae-tutorial {command.name} --help.")
        print(f"vae-tutorial: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        done = "rerun the same command to resume" if command.resumable else "nothing was written"
        print(f"vae-tutorial: interrupted; {done}.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

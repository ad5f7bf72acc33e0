"""Scaling out: one training step on two replicas (MirroredStrategy over two logical CPUs) must
give the same weights as one device on the same global batch, so the loss scaling is right."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# A fresh process: logical devices can only be configured before TensorFlow's first op.
STEP = textwrap.dedent("""
    import json, sys
    from vae_tutorial._tensorflow import tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import numpy as np
    from vae_tutorial.config import seed_everything
    from vae_tutorial.data.images import load_digits
    from vae_tutorial.models.image_vae import ImageVAE

    (x, _), _ = load_digits(seed=0)
    x = x[:32]
    strategies = {"one": tf.distribute.get_strategy(), "two": tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])}
    out = {}
    for name, strategy in strategies.items():
        seed_everything(3)
        with strategy.scope():
            model = ImageVAE(latent_dim=2, seed=3)
            model.compile(keras.optimizers.SGD(0.05))  # plain SGD: a wrongly scaled gradient shows in full
        model.sampler.call = lambda inputs: inputs[0]  # z = z_mean: the same z on any number of replicas
        before = [w.copy() for w in model.get_weights()]
        history = model.fit(x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        out[name] = {
            "replicas": strategy.num_replicas_in_sync,
            "loss": history.history["loss"][0],
            "delta": [(w - b).ravel().tolist() for w, b in zip(model.get_weights(), before)],
        }
    print(json.dumps(out))
""")


def test_one_step_on_two_replicas_equals_one_step_on_one_device_with_the_same_global_batch():
    result = subprocess.run([sys.executable, "-c", STEP], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout.strip().splitlines()[-1])
    assert (runs["one"]["replicas"], runs["two"]["replicas"]) == (1, 2)
    one = np.concatenate([np.asarray(d) for d in runs["one"]["delta"]])
    two = np.concatenate([np.asarray(d) for d in runs["two"]["delta"]])
    assert np.abs(one).max() > 1e-4, "the step changed nothing: the comparison would be empty"
    np.testing.assert_allclose(two, one, rtol=1e-3, atol=1e-6)  # a missing 1/N would double every update
    assert np.isclose(runs["two"]["loss"], runs["one"]["loss"], rtol=1e-5)  # the mean over both replicas

"""A course model saved on one Keras backend loads on each of the others.

A student may train on Colab's TensorFlow and reload the ``.keras`` file on a
laptop with JAX or PyTorch. The model below holds every custom object of the
course (``ContractiveDense``, ``KLSparsity``, ``Sampling``, ``VAE``); it is
saved on the backend the tests run on and loaded in a fresh process on every
other installed backend (``pip install -r requirements-backends.txt``).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import keras

from utils.layers import ContractiveDense, KLSparsity
from utils.vae import VAE, Sampling

pytestmark = pytest.mark.keras_backend

ROOT = Path(__file__).resolve().parent.parent
MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
LOAD = """
import sys
import numpy as np
import keras
import utils.layers, utils.vae  # registers the course's custom objects
model_path, inputs_path, out_path = sys.argv[1:]
vae = keras.saving.load_model(model_path)
inputs = np.load(inputs_path)
z_mean, _, _ = vae.encoder.predict(inputs["x"], verbose=0)
np.savez(out_path, backend=keras.backend.backend(), z_mean=z_mean,
         decoded=vae.decoder.predict(inputs["z"], verbose=0))
"""


def penalised_vae():
    x_in = keras.Input(shape=(16,))
    h = ContractiveDense(8, lam=0.01, name="contractive")(x_in)
    h = keras.layers.Dense(6, activation="sigmoid", activity_regularizer=KLSparsity(0.1, 0.5), name="sparse")(h)
    z_mean = keras.layers.Dense(2, name="z_mean")(h)
    z_log_var = keras.layers.Dense(2, name="z_log_var")(h)
    encoder = keras.Model(x_in, [z_mean, z_log_var, Sampling(seed=0, name="z")([z_mean, z_log_var])], name="encoder")
    z_in = keras.Input(shape=(2,))
    decoder = keras.Model(z_in, keras.layers.Dense(16, activation="sigmoid")(z_in), name="decoder")
    return VAE(encoder, decoder, beta=2.0, name="vae")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = (rng.random((64, 16)) > 0.5).astype("float32")
    z = rng.normal(size=(8, 2)).astype("float32")
    vae = penalised_vae()
    vae.compile(optimizer="adam")
    vae.fit(x, epochs=2, batch_size=16, verbose=0)
    folder = tmp_path_factory.mktemp("saved")
    vae.save(folder / "vae.keras")
    np.savez(folder / "inputs.npz", x=x, z=z)
    z_mean, _, _ = vae.encoder.predict(x, verbose=0)
    return folder, {"z_mean": z_mean, "decoded": vae.decoder.predict(z, verbose=0)}


@pytest.mark.parametrize("backend", sorted(MODULES))
def test_saved_model_loads_with_the_same_outputs_on(backend, saved):
    if importlib.util.find_spec(MODULES[backend]) is None:
        pytest.skip(f"{backend} is not installed: pip install -r requirements-backends.txt")
    folder, expected = saved
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    out = folder / f"{backend}.npz"
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(folder / "vae.keras"), str(folder / "inputs.npz"), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = np.load(out)
    assert str(got["backend"]) == backend
    # Same weights, other kernels: float32 rounding may differ in the last bits.
    np.testing.assert_allclose(got["z_mean"], expected["z_mean"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["decoded"], expected["decoded"], rtol=1e-5, atol=1e-6)

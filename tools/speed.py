"""Seconds per training epoch of four course models on the current Keras backend.

    KERAS_BACKEND=jax python tools/speed.py   # prints one JSON object

Run for every installed backend by ``python tools/run_course.py --speed``. The
models are those of notebooks 01 (dense), 05 (convolutional), 06 (LSTM over
pairs of image rows) and 07 (VAE), trained as there on the 54,000 MNIST training images
a notebook fits on in full mode. Each model trains one warm-up epoch (which
compiles or traces the step), then one timed epoch.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402

import utils  # noqa: E402
from utils.vae import VAE, Sampling  # noqa: E402

N_IMAGES = 54_000


def dense_ae() -> keras.Model:
    """784-128-32-128-784, as in notebook 01."""
    layers = [keras.layers.Dense(n, activation="relu") for n in (128, 32, 128)]
    return keras.Sequential([keras.Input((784,)), *layers, keras.layers.Dense(784, activation="sigmoid")], name="dense")


def conv_ae() -> keras.Model:
    """Strided Conv2D 16-32, Dense code 64, Conv2DTranspose back, as in notebook 05."""
    conv = dict(kernel_size=3, strides=2, padding="same", activation="relu")
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, **conv), keras.layers.Conv2D(32, **conv),
        keras.layers.Flatten(), keras.layers.Dense(64),
        keras.layers.Dense(7 * 7 * 32, activation="relu"), keras.layers.Reshape((7, 7, 32)),
        keras.layers.Conv2DTranspose(16, **conv),
        keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ], name="conv")


def lstm_ae() -> keras.Model:
    """LSTM(128) over 14 steps of two image rows (56 pixels), code 32, RepeatVector + LSTM decoder, as in notebook 06."""
    return keras.Sequential([
        keras.Input((14, 56)), keras.layers.LSTM(128), keras.layers.Dense(32),
        keras.layers.Dense(128, activation="relu"), keras.layers.RepeatVector(14),
        keras.layers.LSTM(128, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(56, activation="sigmoid")),
    ], name="lstm")


def vae() -> keras.Model:
    """784-512-256-16 VAE, as in notebook 07."""
    x = keras.Input((784,))
    h = keras.layers.Dense(256, activation="relu")(keras.layers.Dense(512, activation="relu")(x))
    z_mean, z_log_var = keras.layers.Dense(16)(h), keras.layers.Dense(16)(h)
    encoder = keras.Model(x, [z_mean, z_log_var, Sampling(seed=0)([z_mean, z_log_var])])
    decoder = keras.Sequential([keras.Input((16,)), keras.layers.Dense(256, activation="relu"),
                                keras.layers.Dense(512, activation="relu"), keras.layers.Dense(784, activation="sigmoid")])
    return VAE(encoder, decoder, name="vae")


# name: (builder, input shape, batch size, learning rate)
MODELS = {
    "dense AE (01)": (dense_ae, (784,), 128, 2e-3),
    "conv AE (05)": (conv_ae, (28, 28, 1), 128, 2e-3),
    "LSTM rows AE (06)": (lstm_ae, (14, 56), 32, 3e-3),
    "VAE (07)": (vae, (784,), 128, 1e-3),
}


def seconds_per_epoch(name: str) -> float:
    build, shape, batch_size, learning_rate = MODELS[name]
    keras.utils.set_random_seed(0)
    (x, _), _ = utils.load_dataset("mnist")
    x = x[:N_IMAGES].reshape((N_IMAGES, *shape))
    model = build()
    is_vae = isinstance(model, VAE)
    model.compile(optimizer=utils.cosine_adam(learning_rate, epochs=2, n_samples=N_IMAGES, batch_size=batch_size),
                  loss=None if is_vae else "binary_crossentropy")
    targets = None if is_vae else x
    model.fit(x, targets, epochs=1, batch_size=batch_size, verbose=0)  # warm-up: compiles the step
    start = time.perf_counter()
    model.fit(x, targets, epochs=1, batch_size=batch_size, verbose=0)
    return time.perf_counter() - start


if __name__ == "__main__":
    print(json.dumps({"backend": keras.backend.backend(),
                      "seconds_per_epoch": {name: round(seconds_per_epoch(name), 1) for name in MODELS}}))

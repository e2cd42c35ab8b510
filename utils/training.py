"""The optimizer every notebook trains with, introduced in notebook 01."""

from __future__ import annotations

import math

import keras

from utils import checks


def cosine_adam(learning_rate: float, *, epochs: int, n_samples: int, batch_size: int) -> keras.optimizers.Adam:
    """Adam whose learning rate decays from ``learning_rate`` to 0 along a cosine.

    The decay spans the whole run: ``epochs * ceil(n_samples / batch_size)``
    optimizer steps, so large steps come early and small ones at the end of a
    fixed budget of epochs. Build a fresh one for every ``compile``: the
    schedule counts the optimizer's own steps.

    Args:
        learning_rate: the first step's learning rate, a finite number > 0.
        epochs: epochs of the run, a whole number >= 1.
        n_samples: training samples per epoch, a whole number >= 1.
        batch_size: samples per step, a whole number >= 1.

    Raises:
        TypeError: an argument that is not a number.
        ValueError: a bool, a fraction, NaN, infinity or a number out of range.
    """
    learning_rate = checks.finite_number(
        "learning_rate", learning_rate, above=0, fix="Pass a small positive rate such as 1e-3."
    )
    epochs = checks.positive_int("epochs", epochs)
    n_samples = checks.positive_int("n_samples", n_samples, fix="Pass len(x_train).")
    batch_size = checks.positive_int("batch_size", batch_size, fix="Pass a batch size such as 128.")
    steps = epochs * math.ceil(n_samples / batch_size)
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, steps))

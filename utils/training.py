"""The optimizer every notebook trains with, introduced in notebook 01."""

from __future__ import annotations

import math

import keras


def cosine_adam(learning_rate: float, *, epochs: int, n_samples: int, batch_size: int) -> keras.optimizers.Adam:
    """Adam whose learning rate decays from ``learning_rate`` to 0 along a cosine.

    The decay spans the whole run: ``epochs * ceil(n_samples / batch_size)``
    optimizer steps, so large steps come early and small ones at the end of a
    fixed budget of epochs. Build a fresh one for every ``compile``: the
    schedule counts the optimizer's own steps.
    """
    for name, value in (("epochs", epochs), ("n_samples", n_samples), ("batch_size", batch_size)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if not learning_rate > 0 or not math.isfinite(learning_rate):
        raise ValueError(f"learning_rate must be a positive finite number, got {learning_rate!r}.")
    steps = int(epochs) * math.ceil(int(n_samples) / int(batch_size))
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(float(learning_rate), steps))

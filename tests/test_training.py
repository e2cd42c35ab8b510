import numpy as np
import pytest

import keras
from keras import ops

from utils import cosine_adam

pytestmark = pytest.mark.keras_backend


def test_cosine_adam_decays_to_zero_over_the_whole_run():
    optimizer = cosine_adam(2e-3, epochs=3, n_samples=1000, batch_size=128)  # 8 steps per epoch
    schedule = keras.saving.deserialize_keras_object(optimizer.get_config()["learning_rate"])
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.decay_steps == 24
    rates = [float(ops.convert_to_numpy(schedule(step))) for step in (0, 12, 24)]
    assert rates == pytest.approx([2e-3, 1e-3, 0.0], abs=1e-9)


def test_cosine_adam_trains_a_model():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).random((64, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])
    model.compile(optimizer=cosine_adam(1e-2, epochs=5, n_samples=64, batch_size=16), loss="mse")
    losses = model.fit(x, x, epochs=5, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2.5}, ValueError, "epochs"),
        ({"n_samples": -1}, ValueError, "n_samples"),
        ({"batch_size": True}, ValueError, "batch_size"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate"),
        ({"epochs": float("inf")}, ValueError, "epochs must be a whole number >= 1, got inf"),
        ({"n_samples": float("nan")}, ValueError, "n_samples must be a whole number >= 1, got nan"),
        ({"epochs": None}, TypeError, "epochs must be a whole number >= 1, got None"),
        ({"learning_rate": True}, ValueError, "learning_rate must be a finite number > 0, got True"),
        ({"learning_rate": float("inf")}, ValueError, "learning_rate must be a finite number > 0, got inf"),
        ({"learning_rate": "1e-3"}, TypeError, "learning_rate must be a finite number > 0, got '1e-3'"),
        ({"batch_size": "32"}, TypeError, "batch_size must be a whole number"),
    ],
)
def test_cosine_adam_rejects_bad_arguments(kwargs, error, match):
    args = {"learning_rate": 1e-3, "epochs": 2, "n_samples": 100, "batch_size": 10, **kwargs}
    learning_rate = args.pop("learning_rate")
    with pytest.raises(error, match=match):
        cosine_adam(learning_rate, **args)

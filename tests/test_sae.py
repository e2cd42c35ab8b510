"""The sparse autoencoder of notebook 14 (utils.sae): TopK, the SAE's losses, saving and loading."""

import numpy as np
import pytest

import keras
from keras import ops

from utils.sae import SparseAutoencoder, TopK, fvu

pytestmark = pytest.mark.keras_backend


def numpy(x):
    return ops.convert_to_numpy(x)


def topk_reference(x, k):
    """NumPy: keep each row's k largest entries, ReLU them, zero the rest."""
    out = np.zeros_like(x)
    for row, values in enumerate(x):
        keep = np.argsort(-values)[:k]
        out[row, keep] = np.maximum(values[keep], 0)
    return out


def activations(n=64, d=12, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


def test_topk_keeps_exactly_k_entries_and_matches_numpy():
    x = np.random.default_rng(0).uniform(-1, 1, size=(32, 50)).astype("float32")
    x[:, :10] = np.abs(x[:, :10]) + 0.01  # every row has at least 10 positive entries
    out = numpy(TopK(7)(x))
    assert out.shape == x.shape
    np.testing.assert_array_equal((out != 0).sum(axis=1), np.full(32, 7))
    np.testing.assert_allclose(out, topk_reference(x, 7), rtol=0, atol=0)


def test_topk_keeps_only_positive_entries():
    x = -np.abs(activations(8, 20)) - 0.1  # every entry negative
    x[:, 3] = 1.0  # one positive entry per row
    out = numpy(TopK(5)(x))
    np.testing.assert_array_equal((out != 0).sum(axis=1), np.ones(8))
    np.testing.assert_allclose(out, topk_reference(x, 5))


def test_topk_rejects_bad_arguments():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="k"):
            TopK(bad)
    with pytest.raises(ValueError, match="k must be at most"):
        TopK(6)(activations(4, 5))


def test_topk_layer_in_a_functional_model_saves_and_loads(tmp_path):
    inputs = keras.Input(shape=(12,))
    model = keras.Model(inputs, TopK(3)(keras.layers.Dense(20)(inputs)))
    path = str(tmp_path / "topk.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    x = activations()
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert restored.layers[-1].k == 3


@pytest.mark.parametrize("kwargs", [dict(k=4, aux_k=8, dead_after=2), dict(l1=0.01)], ids=["topk", "l1"])
def test_sae_trains_saves_and_loads_with_identical_outputs(tmp_path, kwargs):
    x = activations(128)
    sae = SparseAutoencoder(12, 48, name="sae", **kwargs)
    sae.compile(optimizer="adam", loss="mse")
    sae.fit(x, x, epochs=2, batch_size=32, verbose=0)
    path = str(tmp_path / "sae.keras")
    sae.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, SparseAutoencoder)
    assert restored.get_config() == sae.get_config()
    np.testing.assert_allclose(restored.predict(x, verbose=0), sae.predict(x, verbose=0), atol=1e-6)
    np.testing.assert_allclose(numpy(restored.encode(x)), numpy(sae.encode(x)), atol=1e-6)
    np.testing.assert_array_equal(numpy(restored.steps_since_active), numpy(sae.steps_since_active))


def test_topk_sae_uses_at_most_k_latents_and_decoder_rows_stay_unit_norm():
    x = activations(128)
    sae = SparseAutoencoder(12, 48, k=5)
    norms = np.linalg.norm(numpy(sae.decoder.kernel), axis=1)
    np.testing.assert_allclose(norms, np.ones(48), atol=1e-5)
    sae.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    sae.fit(x, x, epochs=2, batch_size=32, verbose=0)
    norms = np.linalg.norm(numpy(sae.decoder.kernel), axis=1)
    np.testing.assert_allclose(norms, np.ones(48), atol=1e-5)  # the UnitNorm constraint, after each step
    assert ((numpy(sae.encode(x)) > 0).sum(axis=1) <= 5).all()


def test_tied_init_starts_the_encoder_as_the_decoders_transpose():
    tied, untied = SparseAutoencoder(12, 48, k=5), SparseAutoencoder(12, 48, k=5, tied_init=False)
    np.testing.assert_allclose(numpy(tied.encoder.kernel), numpy(tied.decoder.kernel).T)
    assert not np.allclose(numpy(untied.encoder.kernel), numpy(untied.decoder.kernel).T)


def test_l1_penalty_is_lambda_times_the_mean_latent_sum():
    x = activations(16)
    sae = SparseAutoencoder(12, 48, l1=0.3)
    sae(x, training=True)
    z = numpy(sae.encode(x))
    assert len(sae.losses) == 1
    assert float(numpy(sae.losses[0])) == pytest.approx(0.3 * z.sum(axis=1).mean(), rel=1e-5)
    sae(x, training=False)
    assert not sae.losses


def test_steps_since_active_counts_and_dead_latents_get_the_aux_loss():
    x = activations(16)
    sae = SparseAutoencoder(12, 48, k=2, aux_k=4, aux_coef=0.5, dead_after=2)
    for _ in range(3):
        sae(x, training=True)
    steps = numpy(sae.steps_since_active)
    fired = (numpy(sae.encode(x)) > 0).any(axis=0)
    np.testing.assert_array_equal(steps, np.where(fired, 0.0, 3.0))
    # the added loss is aux_coef * ||e - e_hat||^2 / ||e||^2, e_hat from the dead latents' aux_k largest
    pre = numpy(sae.encoder(x))
    x_hat = numpy(sae(x, training=True))  # a fourth step: the same latents are dead, and the losses are fresh
    dead = ~fired
    z_aux = topk_reference(np.where(dead, pre, -1e4), 4)
    residual = x - x_hat
    expected = np.sum((residual - z_aux @ numpy(sae.decoder.kernel)) ** 2) / np.sum(residual ** 2)
    assert dead.any()
    assert float(numpy(sae.losses[0])) == pytest.approx(0.5 * expected, rel=1e-4)
    no_dead = numpy(sae.aux_loss(x, x_hat, pre, np.zeros(48, dtype=bool)))
    assert float(no_dead) == 0.0


def test_sae_rejects_bad_arguments():
    for kwargs, name in [
        (dict(input_dim=0, n_latents=8), "input_dim"),
        (dict(input_dim=4, n_latents=2.5), "n_latents"),
        (dict(input_dim=4, n_latents=8, k=0), "k"),
        (dict(input_dim=4, n_latents=8, k=9), "k"),
        (dict(input_dim=4, n_latents=8, l1=-0.1), "l1"),
        (dict(input_dim=4, n_latents=8, aux_k=-1), "aux_k"),
        (dict(input_dim=4, n_latents=8, aux_coef=float("nan")), "aux_coef"),
        (dict(input_dim=4, n_latents=8, dead_after=0), "dead_after"),
    ]:
        with pytest.raises(ValueError, match=name):
            SparseAutoencoder(**kwargs)


def test_fvu_is_zero_for_a_perfect_and_one_for_the_mean_reconstruction():
    x = activations(50).astype("float64")
    assert fvu(x, x) == 0.0
    assert fvu(x, np.broadcast_to(x.mean(axis=0), x.shape)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape|one shape"):
        fvu(x, x[:, :5])

import numpy as np
import pytest

import keras
from keras import ops

from utils.vae import VAE, Sampling, elbo_terms, kl_nats, reconstruction_nats

pytestmark = pytest.mark.keras_backend

LATENT = 2


def tiny_vae(beta=1.0, seed=0):
    x_in = keras.Input(shape=(16,))
    h = keras.layers.Dense(8, activation="relu")(x_in)
    z_mean = keras.layers.Dense(LATENT, name="z_mean")(h)
    z_log_var = keras.layers.Dense(LATENT, name="z_log_var")(h)
    z = Sampling(seed=seed, name="z")([z_mean, z_log_var])
    encoder = keras.Model(x_in, [z_mean, z_log_var, z], name="encoder")
    z_in = keras.Input(shape=(LATENT,))
    decoder = keras.Model(z_in, keras.layers.Dense(16, activation="sigmoid")(z_in), name="decoder")
    return VAE(encoder, decoder, beta=beta, name="vae")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return (rng.random((128, 16)) > 0.5).astype("float32")


def test_sampling_has_the_right_moments():
    keras.utils.set_random_seed(0)
    mean = np.full((20000, 3), 2.0, "float32")
    log_var = np.full((20000, 3), np.log(0.25), "float32")
    z = ops.convert_to_numpy(Sampling(seed=1)([mean, log_var]))
    assert z.shape == (20000, 3)
    assert np.allclose(z.mean(axis=0), 2.0, atol=0.02)
    assert np.allclose(z.std(axis=0), 0.5, atol=0.02)


def test_sampling_config_round_trips():
    layer = Sampling(seed=7, name="s")
    clone = Sampling.from_config(layer.get_config())
    assert clone.seed == 7 and clone.name == "s"


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = np.zeros((4, 3), "float32")
    assert np.allclose(ops.convert_to_numpy(kl_nats(zeros, zeros)), 0.0)
    kl = ops.convert_to_numpy(kl_nats(zeros + 1.0, zeros))
    assert np.allclose(kl, 0.5)  # KL(N(1, 1) || N(0, 1)) = 1/2


def test_reconstruction_nats_sums_over_pixels():
    x = np.array([[1.0, 0.0, 1.0, 0.0]], "float32")
    p = np.full((1, 4), 0.5, "float32")
    assert ops.convert_to_numpy(reconstruction_nats(x, p))[0] == pytest.approx(4 * np.log(2), rel=1e-5)


def test_vae_trains_and_logs_loss_as_the_sum_of_its_terms(data):
    keras.utils.set_random_seed(0)
    vae = tiny_vae()
    vae.compile(optimizer="adam")
    history = vae.fit(data, epochs=2, batch_size=48, verbose=0)  # 128 = 48 + 48 + 32: a partial last batch
    logs = history.history
    assert set(logs) >= {"loss", "reconstruction", "kl"}
    for loss, rec, kl in zip(logs["loss"], logs["reconstruction"], logs["kl"]):
        assert loss == pytest.approx(rec + kl, rel=1e-5)
    assert 0 < logs["reconstruction"][-1] < 16 * np.log(2) * 1.5


def test_beta_weights_the_kl_term(data):
    keras.utils.set_random_seed(0)
    vae = tiny_vae(beta=4.0)
    vae.compile(optimizer="adam")
    logs = vae.fit(data, epochs=1, batch_size=48, verbose=0).history
    assert logs["loss"][0] == pytest.approx(logs["reconstruction"][0] + 4.0 * logs["kl"][0], rel=1e-5)


def test_vae_save_and_load_give_identical_deterministic_outputs(data, tmp_path):
    keras.utils.set_random_seed(0)
    vae = tiny_vae(beta=2.0)
    vae.compile(optimizer="adam")
    vae.fit(data, epochs=1, batch_size=64, verbose=0)
    path = tmp_path / "vae.keras"
    vae.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, VAE) and restored.beta == 2.0
    mean, _, _ = vae.encoder.predict(data, verbose=0)
    mean2, _, _ = restored.encoder.predict(data, verbose=0)
    np.testing.assert_array_equal(mean, mean2)
    z = np.random.default_rng(1).normal(size=(10, LATENT)).astype("float32")
    np.testing.assert_array_equal(vae.decoder.predict(z, verbose=0), restored.decoder.predict(z, verbose=0))


def test_sampling_draws_the_same_after_save_and_load(tmp_path):
    z_mean, z_log_var = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    model = keras.Model([z_mean, z_log_var], Sampling(seed=5, name="z")([z_mean, z_log_var]))
    model.save(tmp_path / "sampler.keras")
    restored = keras.saving.load_model(tmp_path / "sampler.keras")
    assert isinstance(restored.get_layer("z"), Sampling) and restored.get_layer("z").seed == 5
    inputs = [np.full((4, 3), 1.0, "float32"), np.full((4, 3), -2.0, "float32")]
    first = model.predict(inputs, verbose=0)
    np.testing.assert_array_equal(first, restored.predict(inputs, verbose=0))
    assert not np.allclose(first, 1.0)  # it did draw noise


def test_elbo_terms_shapes_and_sum(data):
    vae = tiny_vae()
    terms = elbo_terms(vae, data, n_samples=2)
    assert terms["reconstruction"].shape == (128,) and terms["kl_per_dim"].shape == (128, LATENT)
    np.testing.assert_allclose(terms["neg_elbo"], terms["reconstruction"] + terms["kl"])
    again = elbo_terms(vae, data, n_samples=2)
    np.testing.assert_allclose(terms["neg_elbo"], again["neg_elbo"])  # seeded


def test_vae_rejects_bad_arguments(data):
    vae = tiny_vae()
    with pytest.raises(ValueError, match="z_mean, z_log_var, z"):
        VAE(vae.decoder, vae.decoder)
    with pytest.raises(ValueError, match="beta"):
        VAE(vae.encoder, vae.decoder, beta=-1.0)
    with pytest.raises(ValueError, match="n_samples"):
        elbo_terms(vae, data, n_samples=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        elbo_terms(vae, data * 255)

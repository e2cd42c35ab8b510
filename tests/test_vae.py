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


class SubclassedEncoder(keras.Model):
    """A subclassed encoder: no ``outputs`` attribute, built at its first call."""

    def __init__(self, latent_dim=LATENT, n_outputs=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.z_mean = keras.layers.Dense(latent_dim)
        self.z_log_var = keras.layers.Dense(latent_dim)
        self.sampling = Sampling(seed=0)
        self.n_outputs = n_outputs

    def call(self, x):
        h = self.hidden(x)
        z_mean, z_log_var = self.z_mean(h), self.z_log_var(h)
        return [z_mean, z_log_var, self.sampling([z_mean, z_log_var])][: self.n_outputs]


class SubclassedDecoder(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pixels = keras.layers.Dense(16, activation="sigmoid")

    def call(self, z):
        return self.pixels(z)


def test_vae_trains_with_subclassed_encoder_and_decoder(data):
    keras.utils.set_random_seed(0)
    vae = VAE(SubclassedEncoder(), SubclassedDecoder())
    vae.compile(optimizer="adam")
    logs = vae.fit(data, epochs=2, batch_size=32, verbose=0).history
    assert np.all(np.isfinite(logs["loss"]))
    assert logs["loss"][-1] == pytest.approx(logs["reconstruction"][-1] + logs["kl"][-1], rel=1e-5)
    terms = elbo_terms(vae, data)
    assert terms["kl_per_dim"].shape == (128, LATENT) and np.all(np.isfinite(terms["neg_elbo"]))


def functional(inputs, outputs, activation=None):
    x = keras.Input(shape=(inputs,))
    return keras.Model(x, keras.layers.Dense(outputs, activation=activation)(x))


def unmatched_encoder():
    """A functional encoder whose z_log_var has another latent size than z_mean."""
    x = keras.Input(shape=(16,))
    z_mean, z_log_var = keras.layers.Dense(2)(x), keras.layers.Dense(3)(x)
    return keras.Model(x, [z_mean, z_log_var, z_mean])


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda vae: VAE(None, vae.decoder), TypeError, "encoder must be a keras.Model .*, got None"),
        (lambda vae: VAE(vae.encoder, None), TypeError, "decoder must be a keras.Model .*, got None"),
        (lambda vae: VAE(vae.encoder, "decoder"), TypeError, "decoder must be a keras.Model"),
        (lambda vae: VAE(vae.decoder, vae.decoder), ValueError, "z_mean, z_log_var, z"),
        (lambda vae: VAE(unmatched_encoder(), vae.decoder), ValueError,
         "axis 'latent_dim' of z_log_var has size 3, but z_mean has 2"),
        (lambda vae: VAE(vae.encoder, functional(3, 16)), ValueError,
         r"decoder must take the encoder's z of shape \(None, 2\), but it takes shape \(None, 3\)"),
        (lambda vae: VAE(vae.encoder, functional(LATENT, 8)), ValueError,
         "the decoder's output must hold as many images and pixels per image as the encoder's input"),
        (lambda vae: VAE(vae.encoder, vae.decoder, beta=-1.0), ValueError, "beta"),
        (lambda vae: VAE(vae.encoder, vae.decoder, beta=float("nan")), ValueError, "beta must be a finite number >= 0"),
        (lambda vae: VAE(vae.encoder, vae.decoder, beta="1"), TypeError, "beta must be a finite number >= 0"),
    ],
)
def test_vae_refuses_bad_parts(make, error, match):
    vae = tiny_vae()
    with pytest.raises(error, match=match):
        make(vae)


@pytest.mark.parametrize(
    "inputs, match",
    [
        ([(None, 2), (None, 3)], "axis 'latent_dim' of z_log_var has size 3, but z_mean has 2"),
        ([(None, 2)], r"must be \[z_mean, z_log_var\], .* got 1 tensor"),
        ((None, 2), r"must be \[z_mean, z_log_var\], .* got a single tensor of shape \(None, 2\)"),
        ([(None, 2, 2), (None, 2, 2)], r"z_mean must have shape \(batch, latent_dim\)"),
    ],
)
def test_sampling_checks_its_inputs_when_built(inputs, match):
    symbolic = [keras.Input(shape=s[1:]) for s in inputs] if isinstance(inputs, list) else keras.Input(shape=inputs[1:])
    with pytest.raises(ValueError, match=f"Sampling's inputs.*{match}"):
        Sampling()(symbolic)


@pytest.mark.parametrize(
    "x, x_hat, match",
    [
        (np.full((2, 16), 255.0), np.full((2, 16), 0.5), r"x must lie in \[0, 1\], got values in \[255, 255\]"),
        (np.full((2, 16), 0.5), np.full((2, 16), 2.0), r"x_hat must lie in \[0, 1\]"),
        (np.full((2, 16), 0.5), np.full((2, 8), 0.5), "x_hat must hold as many images and pixels per image as x"),
        (np.full((3, 16), 0.5), np.full((2, 16), 0.5), "x_hat must hold as many images"),
        (keras.KerasTensor((None, 16)), keras.KerasTensor((None, 8)), "16 and 8 pixels|8 and 16 pixels"),
    ],
)
def test_reconstruction_nats_refuses_mismatched_or_out_of_range_input(x, x_hat, match):
    with pytest.raises(ValueError, match=match):
        reconstruction_nats(x, x_hat)


def test_first_call_checks_a_subclassed_encoder(data):
    vae = VAE(SubclassedEncoder(n_outputs=2), SubclassedDecoder())
    vae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"the encoder's outputs must be \[z_mean, z_log_var, z\].* got 2 tensor"):
        vae.fit(data, epochs=1, batch_size=32, verbose=0)


@pytest.mark.parametrize(
    "method, kwargs, match",
    [
        ("fit", {"x": "data_255"}, r"x must lie in \[0, 1\], got values in \[0, 255\]"),
        ("fit", {"x": "data", "validation_data": ("data_255",)}, r"validation_data\[0\] must lie in \[0, 1\]"),
        ("fit", {"x": "data_uint8"}, "divide uint8 images by 255"),
        ("evaluate", {"x": "data_255"}, r"x must lie in \[0, 1\]"),
    ],
)
def test_vae_checks_numpy_images_before_training(data, method, kwargs, match):
    named = {"data": data, "data_255": data * 255, "data_uint8": (data * 255).astype("uint8")}
    kwargs = {k: tuple(named[i] for i in v) if isinstance(v, tuple) else named[v] for k, v in kwargs.items()}
    vae = tiny_vae()
    vae.compile(optimizer="adam")
    before = [w.copy() for w in vae.get_weights()]
    with pytest.raises(ValueError, match=match):
        getattr(vae, method)(**kwargs, batch_size=32, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, vae.get_weights()))  # nothing trained


@pytest.mark.parametrize(
    "vae_of, x_of, kwargs, error, match",
    [
        (lambda v: keras.Sequential([keras.Input((16,)), keras.layers.Dense(16)]), None, {}, TypeError,
         "vae must be a utils.vae.VAE, got <Sequential"),
        (lambda v: v.encoder, None, {}, TypeError, "vae must be a utils.vae.VAE"),
        (None, lambda x: x.reshape(128, 4, 4), {}, ValueError,
         r"x must have shape \(n, 16\), the input of encoder, got shape \(128, 4, 4\)"),
        (None, lambda x: x[0], {}, ValueError, "x must be a non-empty batch of images"),
        (None, lambda x: x * 255, {}, ValueError, r"\[0, 1\]"),
        (None, None, {"batch_size": -1}, ValueError, "batch_size must be a whole number >= 1, got -1"),
        (None, None, {"batch_size": None}, TypeError, "batch_size must be a whole number"),
        (None, None, {"n_samples": 0}, ValueError, "n_samples"),
        (None, None, {"n_samples": 2.5}, ValueError, "n_samples must be a whole number >= 1, got 2.5"),
    ],
)
def test_elbo_terms_refuses_bad_arguments(data, vae_of, x_of, kwargs, error, match):
    vae = tiny_vae()
    vae, x = (vae_of or (lambda v: v))(vae), (x_of or (lambda x: x))(data)
    with pytest.raises(error, match=match):
        elbo_terms(vae, x, **kwargs)

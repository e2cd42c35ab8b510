"""utils.cvae: the conditional VAE, dynamic binarisation and the IWAE bound (lesson code of the conditional VAE notebook)."""

import numpy as np
import pytest

import keras

from utils.cvae import ConditionalVAE, DynamicBinarization, binarize, iwae_nats
from utils.vae import VAE, Sampling, elbo_terms, kl_nats, reconstruction_nats

pytestmark = pytest.mark.keras_backend

PIXELS, CLASSES, LATENT = 16, 3, 2


def encoder(pixels=PIXELS, classes=CLASSES, latent=LATENT, sharp=False):
    """sharp=True: log sigma^2 = -40 whatever the input, so z = z_mean to float32 precision."""
    x, y = keras.Input(shape=(pixels,), name="image"), keras.Input(shape=(classes,), name="label")
    h = keras.layers.Dense(8, activation="relu")(keras.layers.Concatenate()([x, y]))
    z_mean = keras.layers.Dense(latent, name="z_mean")(h)
    log_var = {"kernel_initializer": "zeros", "bias_initializer": keras.initializers.Constant(-40.0)} if sharp else {}
    z_log_var = keras.layers.Dense(latent, name="z_log_var", **log_var)(h)
    return keras.Model([x, y], [z_mean, z_log_var, Sampling(seed=0, name="z")([z_mean, z_log_var])], name="encoder")


def decoder(pixels=PIXELS, classes=CLASSES, latent=LATENT):
    z, y = keras.Input(shape=(latent,), name="z"), keras.Input(shape=(classes,), name="label")
    h = keras.layers.Concatenate()([z, y])
    return keras.Model([z, y], keras.layers.Dense(pixels, activation="sigmoid")(h), name="decoder")


def tiny_cvae(beta=1.0):
    return ConditionalVAE(encoder(), decoder(), beta=beta, name="cvae")


def tiny_vae():
    x = keras.Input(shape=(PIXELS,))
    h = keras.layers.Dense(8, activation="relu")(x)
    z_mean, z_log_var = keras.layers.Dense(LATENT)(h), keras.layers.Dense(LATENT)(h)
    enc = keras.Model(x, [z_mean, z_log_var, Sampling(seed=0)([z_mean, z_log_var])])
    z = keras.Input(shape=(LATENT,))
    return VAE(enc, keras.Model(z, keras.layers.Dense(PIXELS, activation="sigmoid")(keras.layers.Dense(8, activation="relu")(z))))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, CLASSES, 96)
    images = (rng.random((96, PIXELS)) < 0.2 + 0.3 * labels[:, None]).astype("float32")
    return images, keras.utils.to_categorical(labels, CLASSES).astype("float32")


# ------------------------------------------------------------------ the conditional VAE


def test_cvae_trains_and_logs_loss_as_the_sum_of_its_terms(data):
    keras.utils.set_random_seed(0)
    cvae = tiny_cvae(beta=2.0)
    cvae.compile(optimizer="adam")
    logs = cvae.fit(list(data), epochs=2, batch_size=40, validation_data=(list(data),), verbose=0).history
    assert set(logs) >= {"loss", "reconstruction", "kl", "val_loss"}
    for loss, rec, kl in zip(logs["loss"], logs["reconstruction"], logs["kl"]):
        assert loss == pytest.approx(rec + 2.0 * kl, rel=1e-5)
    assert np.all(np.isfinite(logs["val_loss"]))
    result = cvae.evaluate(list(data), batch_size=32, verbose=0, return_dict=True)
    assert 0 < result["reconstruction"] < PIXELS * np.log(2) * 1.5
    assert cvae(list(data)).shape == (96, PIXELS)


def test_a_trained_cvae_uses_the_label_and_beats_itself_untrained_and_with_shuffled_labels(data):
    # The pixels are on with probability 0.2, 0.5 or 0.8 by label: the label is worth about 2 nats per image.
    keras.utils.set_random_seed(0)
    images, labels = data
    shuffled = labels[np.random.default_rng(1).permutation(len(labels))]
    cvae = tiny_cvae()
    cvae.compile(optimizer=keras.optimizers.Adam(0.01))
    untrained = cvae.evaluate([images, labels], batch_size=96, verbose=0, return_dict=True)["loss"]
    cvae.fit([images, labels], epochs=60, batch_size=32, verbose=0)
    trained = cvae.evaluate([images, labels], batch_size=96, verbose=0, return_dict=True)["loss"]
    with_shuffled_labels = cvae.evaluate([images, shuffled], batch_size=96, verbose=0, return_dict=True)["loss"]
    assert trained < untrained - 1, (trained, untrained)
    assert trained < with_shuffled_labels - 1, (trained, with_shuffled_labels)


def test_cvae_save_and_load_give_identical_deterministic_outputs(data, tmp_path):
    keras.utils.set_random_seed(0)
    cvae = tiny_cvae(beta=3.0)
    cvae.compile(optimizer="adam")
    cvae.fit(list(data), epochs=1, batch_size=32, verbose=0)
    cvae.save(tmp_path / "cvae.keras")
    restored = keras.saving.load_model(tmp_path / "cvae.keras")
    assert isinstance(restored, ConditionalVAE) and restored.beta == 3.0 and restored.name == "cvae"
    np.testing.assert_array_equal(cvae.encoder.predict(list(data), verbose=0)[0],
                                  restored.encoder.predict(list(data), verbose=0)[0])
    z = np.random.default_rng(1).normal(size=(96, LATENT)).astype("float32")
    np.testing.assert_array_equal(cvae.decoder.predict([z, data[1]], verbose=0),
                                  restored.decoder.predict([z, data[1]], verbose=0))


def test_calling_the_cvae_gives_both_parts_the_label(data):
    images, labels = data
    cvae = ConditionalVAE(encoder(sharp=True), decoder())  # z = z_mean: the call is deterministic
    z_mean = cvae.encoder.predict([images, labels], verbose=0)[0]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(cvae([images, labels])),
                               cvae.decoder.predict([z_mean, labels], verbose=0), rtol=1e-5, atol=1e-6)
    other = np.roll(labels, 1, axis=1)  # every image with another label
    assert not np.allclose(keras.ops.convert_to_numpy(cvae([images, other])),
                           keras.ops.convert_to_numpy(cvae([images, labels])))


def test_the_cvae_loss_is_the_negative_elbo_of_one_encoder_pass(data):
    images, labels = data
    cvae = ConditionalVAE(encoder(sharp=True), decoder(), beta=2.0)
    z_mean, z_log_var, _ = cvae.encoder.predict([images, labels], verbose=0)
    x_hat = cvae.decoder.predict([z_mean, labels], verbose=0)
    reconstruction = keras.ops.convert_to_numpy(reconstruction_nats(images, x_hat)).mean()
    kl = keras.ops.convert_to_numpy(kl_nats(z_mean, z_log_var)).sum(axis=1).mean()
    # y_pred from elsewhere is ignored: the loss decodes the z of its own encoder pass
    x = [keras.ops.convert_to_tensor(images), keras.ops.convert_to_tensor(labels)]  # as fit passes it
    loss = cvae.compute_loss(x=x, y_pred=keras.ops.full(images.shape, 0.5), training=False)
    assert float(keras.ops.convert_to_numpy(loss)) == pytest.approx(reconstruction + 2.0 * kl, rel=1e-4)


def single_input_encoder():
    x = keras.Input(shape=(PIXELS,))
    z_mean, z_log_var = keras.layers.Dense(LATENT)(x), keras.layers.Dense(LATENT)(x)
    return keras.Model(x, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])])


def single_input_decoder():
    z = keras.Input(shape=(LATENT,))
    return keras.Model(z, keras.layers.Dense(PIXELS, activation="sigmoid")(z))


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: ConditionalVAE(None, decoder()), TypeError, "encoder must be a keras.Model"),
        (lambda: ConditionalVAE(encoder(), "decoder"), TypeError, "decoder must be a keras.Model"),
        (lambda: ConditionalVAE(single_input_encoder(), decoder()), ValueError,
         r"encoder must take two inputs, \[images, labels\], got 1 input"),
        (lambda: ConditionalVAE(encoder(), single_input_decoder()), ValueError,
         r"decoder must take two inputs, \[z, labels\], got 1 input"),
        (lambda: ConditionalVAE(encoder(), decoder(classes=5)), ValueError,
         "axis 'n_classes' of decoder_labels has size 5, but encoder_labels has 3"),
        (lambda: ConditionalVAE(encoder(), decoder(latent=4)), ValueError,
         "axis 'latent_dim' of decoder_z has size 4, but z has 2"),
        (lambda: ConditionalVAE(encoder(), decoder(pixels=8)), ValueError,
         "the decoder's output must hold as many images and pixels per image as the encoder's images"),
        (lambda: ConditionalVAE(encoder(), decoder(), beta=-1.0), ValueError, "beta must be a finite number >= 0"),
    ],
)
def test_cvae_refuses_bad_parts(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    "method, x_of, match",
    [
        ("fit", lambda x, y: x, r"x must be \[images, labels\], got a single array"),
        ("fit", lambda x, y: [x * 255, y], r"x\[0\] must lie in \[0, 1\]"),
        ("fit", lambda x, y: [x, y.argmax(axis=1)], r"x\[1\] must hold one-hot labels of shape \(96, n_classes\)"),
        ("fit", lambda x, y: [x, y * 0.5], "whose rows are not one-hot"),
        ("fit", lambda x, y: [x, y[:10]], r"x\[1\] must hold one-hot labels of shape \(96, n_classes\)"),
        ("evaluate", lambda x, y: x, r"x must be \[images, labels\]"),
    ],
)
def test_cvae_checks_its_inputs_before_training(data, method, x_of, match):
    cvae = tiny_cvae()
    cvae.compile(optimizer="adam")
    before = [w.copy() for w in cvae.get_weights()]
    with pytest.raises(ValueError, match=match):
        getattr(cvae, method)(x_of(*data), batch_size=32, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, cvae.get_weights()))  # nothing trained


def test_cvae_checks_validation_data(data):
    cvae = tiny_cvae()
    cvae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"validation_data\[0\]\[1\] must hold one-hot labels"):
        cvae.fit(list(data), validation_data=([data[0], data[1][:5]],), epochs=1, verbose=0)


# ------------------------------------------------------------------ binarisation


def test_binarize_draws_coins_with_the_grey_level_as_probability():
    x = np.full((200, 28, 28), 0.3, "float32")
    x[:, :, :14] = 0.0
    b = binarize(x, seed=1)
    assert b.dtype == np.float32 and b.shape == x.shape
    assert set(np.unique(b)) <= {0.0, 1.0}
    assert np.all(b[:, :, :14] == 0)
    assert b[:, :, 14:].mean() == pytest.approx(0.3, abs=0.01)
    np.testing.assert_array_equal(b, binarize(x, seed=1))
    assert not np.array_equal(b, binarize(x, seed=2))


def test_binarize_refuses_grey_levels_outside_0_1():
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        binarize(np.full((2, 4), 2.0, "float32"), seed=0)


def test_dynamic_binarization_draws_afresh_every_epoch():
    x = np.random.default_rng(0).random((50, 4, 4)).astype("float32")
    data = DynamicBinarization(x, batch_size=16, seed=3)
    assert len(data) == 4
    batches = [data[i] for i in range(len(data))]
    assert [len(b) for b in batches] == [16, 16, 16, 2]
    assert all(set(np.unique(b)) <= {0.0, 1.0} for b in batches)
    np.testing.assert_array_equal(batches[0], data[0])  # reproducible within an epoch
    again = DynamicBinarization(x, batch_size=16, seed=3)
    np.testing.assert_array_equal(batches[1], again[1])  # and between runs
    data.on_epoch_end()
    assert not np.array_equal(batches[0], data[0])  # a new draw (and order) next epoch


def test_dynamic_binarization_feeds_fit_on_this_backend():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).random((64, PIXELS)).astype("float32")
    vae = tiny_vae()
    vae.compile(optimizer="adam")
    logs = vae.fit(DynamicBinarization(x, batch_size=16), epochs=2, verbose=0).history
    assert len(logs["loss"]) == 2 and np.all(np.isfinite(logs["loss"]))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be a whole number >= 1"),
        ({"seed": -1}, ValueError, "seed must be a whole number >= 0"),
        ({"x": np.zeros((3, 4), "uint8")}, ValueError, "divide uint8 images by 255"),
    ],
)
def test_dynamic_binarization_refuses_bad_arguments(kwargs, error, match):
    arguments = {"x": np.zeros((3, 4), "float32"), **kwargs}
    with pytest.raises(error, match=match):
        DynamicBinarization(arguments.pop("x"), **arguments)


# ------------------------------------------------------------------ the IWAE bound


@pytest.fixture(scope="module")
def untrained_vae():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = (rng.random((512, PIXELS)) < np.linspace(0.1, 0.9, PIXELS)).astype("float32")
    vae = tiny_vae()  # untrained: q(z|x) far from p(z|x), a loose ELBO that importance sampling tightens
    return vae, x


def test_iwae_tightens_with_k_and_starts_at_the_elbo(untrained_vae):
    vae, x = untrained_vae
    bound = {k: iwae_nats(vae, x, k=k, seed=k) for k in (1, 10, 100)}
    assert bound[1].shape == (len(x),) and bound[1].dtype == np.float64
    neg_elbo = elbo_terms(vae, x, n_samples=20, seed=0)["neg_elbo"].mean()
    assert bound[1].mean() == pytest.approx(neg_elbo, rel=0.02)  # the same expectation
    assert bound[100].mean() < bound[10].mean() < bound[1].mean()
    np.testing.assert_array_equal(bound[10], iwae_nats(vae, x, k=10, seed=10))  # seeded
    np.testing.assert_allclose(bound[10], iwae_nats(vae, x, k=10, seed=10, batch_size=70), rtol=1e-6)  # any batching


def test_iwae_refuses_bad_arguments(untrained_vae, data):
    vae, x = untrained_vae
    with pytest.raises(ValueError, match="k must be a whole number >= 1"):
        iwae_nats(vae, x, k=0)
    with pytest.raises(TypeError, match="k must be a whole number"):
        iwae_nats(vae, x, k=None)
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1"):
        iwae_nats(vae, x, k=2, batch_size=0)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 16\)"):
        iwae_nats(vae, x.reshape(-1, 4, 4), k=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        iwae_nats(vae, x * 255, k=2)
    with pytest.raises(TypeError, match="vae must be a utils.vae.VAE"):
        iwae_nats(vae.encoder, x, k=2)
    with pytest.raises(TypeError, match="vae must be an unconditional VAE"):
        iwae_nats(tiny_cvae(), data[0], k=2)


class _Wrapped(keras.Model):
    """A subclassed part: it declares no inputs, so only its type tells that it is conditional."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, inputs):
        return self.inner(inputs)


def test_iwae_refuses_a_conditional_vae_with_subclassed_parts(data):
    cvae = ConditionalVAE(_Wrapped(encoder()), _Wrapped(decoder()))
    with pytest.raises(TypeError, match="vae must be an unconditional VAE whose encoder takes images alone, "
                                        "got a ConditionalVAE whose encoder fails on images alone"):
        iwae_nats(cvae, data[0], k=2)

"""The variational autoencoder's building blocks, shared by notebooks 07 and 08.

``Sampling`` (the reparameterization trick) and ``VAE`` (a ``keras.Model``
whose ``compute_loss`` is the negative ELBO, with a KL weight ``beta``) are
introduced and derived in ``07_variational_autoencoder.ipynb``; notebook 08
reuses them for the beta-VAE. Both use only ``keras.ops`` and ``keras.random``,
so they run on the TensorFlow, JAX and PyTorch backends, and both are
registered serializable, so ``model.save("vae.keras")`` round-trips.

What is checked where (see ``utils.checks``): the arguments when an object is
made; the shapes of ``Sampling``'s inputs, of the encoder's outputs and of
``reconstruction_nats``'s arguments when a graph is built (a functional
encoder and decoder already when the ``VAE`` is made); pixel values in [0, 1]
on the host, for NumPy arrays given to ``VAE.fit``, ``VAE.evaluate``,
``elbo_terms`` and ``reconstruction_nats``. Tensors and datasets are not
read on the host: that would cost a copy per step.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from utils import checks

_EPS = 1e-7


@keras.saving.register_keras_serializable(package="course")
class Sampling(keras.layers.Layer):
    """Draw ``z = z_mean + exp(z_log_var / 2) * epsilon`` with ``epsilon ~ N(0, I)``.

    Inputs: ``[z_mean, z_log_var]``, each of shape (batch, latent_dim).
    Output: ``z`` of shape (batch, latent_dim). The randomness comes from a
    ``keras.random.SeedGenerator``, so a seeded layer draws reproducibly.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        checks.latent_tensors("Sampling's inputs", ("z_mean", "z_log_var"), input_shape)  # static shapes

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def reconstruction_nats(x, x_hat):
    """Bernoulli negative log-likelihood summed over pixels: (batch, ...) -> (batch,)."""
    checks.numpy_images("x", x)  # values in [0, 1], for NumPy input only
    checks.numpy_images("x_hat", x_hat)
    x, x_hat = ops.convert_to_tensor(x), ops.convert_to_tensor(x_hat)  # NumPy in, backend tensors out
    checks.same_pixels("x", x, "x_hat", x_hat)  # static shapes
    x = ops.reshape(x, (ops.shape(x)[0], -1))
    p = ops.clip(ops.reshape(x_hat, (ops.shape(x_hat)[0], -1)), _EPS, 1 - _EPS)
    return -ops.sum(x * ops.log(p) + (1 - x) * ops.log(1 - p), axis=1)


def kl_nats(z_mean, z_log_var):
    """KL(N(z_mean, exp(z_log_var)) || N(0, I)) per latent dimension: (batch, d) -> (batch, d)."""
    z_mean, z_log_var = ops.convert_to_tensor(z_mean), ops.convert_to_tensor(z_log_var)
    checks.latent_tensors("kl_nats", ("z_mean", "z_log_var"), (z_mean, z_log_var))  # static shapes
    return -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))


@keras.saving.register_keras_serializable(package="course")
class VAE(keras.Model):
    """A variational autoencoder trained on the negative ELBO, in nats per image.

    ``loss = mean over the batch of [reconstruction + beta * KL]`` where
    reconstruction is the pixel-summed binary cross-entropy and KL is the
    closed-form KL divergence from the prior N(0, I). ``fit`` logs ``loss``,
    ``reconstruction`` and ``kl``; with ``beta=1`` the loss is their sum.

    Args:
        encoder: a model mapping images (batch, ...) to ``[z_mean, z_log_var, z]``,
            each (batch, latent_dim), ``z`` drawn by a :class:`Sampling` layer.
        decoder: a model mapping ``z`` (batch, latent_dim) to pixel
            probabilities with the images' shape.
        beta: weight of the KL term, >= 0 (1 for the plain VAE; notebook 08).

    Calling the model returns the decoded sample ``decoder(z)``.
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = checks.vae_parts(encoder, decoder)  # a subclassed one at its first call
        self.beta = checks.finite_number("beta", beta, minimum=0, fix="1 is the plain VAE.")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    def call(self, x, training=False):
        _, _, z = checks.encoder_outputs(self.encoder(x, training=training))  # static shapes
        return self.decoder(z, training=training)

    def fit(self, x=None, *args, **kwargs):
        checks.numpy_images("x", x)  # on the host, before training: see the module's docstring
        checks.numpy_images("validation_data", kwargs.get("validation_data"))
        return super().fit(x, *args, **kwargs)

    def evaluate(self, x=None, *args, **kwargs):
        checks.numpy_images("x", x)
        return super().evaluate(x, *args, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        z_mean, z_log_var, _ = self.encoder(x, training=training)  # the same q(z|x) that produced y_pred
        reconstruction = ops.mean(reconstruction_nats(x, y_pred))
        kl = ops.mean(ops.sum(kl_nats(z_mean, z_log_var), axis=1))
        batch_size = ops.shape(x)[0]  # weight like Keras weights the loss, so the logs add up
        self.reconstruction_tracker.update_state(reconstruction, sample_weight=batch_size)
        self.kl_tracker.update_state(kl, sample_weight=batch_size)
        return reconstruction + self.beta * kl

    @property
    def metrics(self):
        return [*super().metrics, self.reconstruction_tracker, self.kl_tracker]

    def get_config(self):
        return {
            "name": self.name,
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "beta": self.beta,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)


def elbo_terms(
    vae: VAE, x: np.ndarray, *, n_samples: int = 1, seed: int = 0, batch_size: int = 1000
) -> dict[str, np.ndarray]:
    """Per-image terms of the negative ELBO, in nats, estimated with ``n_samples`` draws of z.

    Args:
        vae: a trained :class:`VAE`.
        x: images in [0, 1] of the shape the encoder takes, (n, ...).
        n_samples: draws of z ~ q(z|x) averaged for the reconstruction term (>= 1).
        seed: seed of the draws (NumPy), so the estimate is reproducible.
        batch_size: batch size of the ``predict`` calls (>= 1).

    Returns:
        ``{"reconstruction": (n,), "kl": (n,), "kl_per_dim": (n, latent_dim),
        "neg_elbo": (n,)}``, with ``neg_elbo = reconstruction + kl`` (beta is
        not applied: this is the bound on the log-likelihood).

    Raises:
        TypeError: ``vae`` not a :class:`VAE`, or arguments of the wrong type.
        ValueError: ``n_samples`` or ``batch_size`` not a whole number >= 1,
            images outside [0, 1], or images of a shape the encoder does not take.
    """
    checks.instance("vae", vae, VAE, fix="Pass the trained VAE itself, not its encoder or a plain autoencoder.")
    n_samples = checks.positive_int("n_samples", n_samples)
    batch_size = checks.positive_int("batch_size", batch_size)
    x = checks.model_input("x", checks.images("x", x), vae.encoder)
    z_mean, z_log_var, _ = vae.encoder.predict(x, batch_size=batch_size, verbose=0)
    rng = np.random.default_rng(seed)
    reconstruction = np.zeros(len(x))
    for _ in range(n_samples):
        z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal(z_mean.shape).astype("float32")
        x_hat = vae.decoder.predict(z, batch_size=batch_size, verbose=0)
        reconstruction += ops.convert_to_numpy(reconstruction_nats(x, x_hat)) / n_samples
    kl_per_dim = ops.convert_to_numpy(kl_nats(z_mean, z_log_var)).astype("float64")
    kl = kl_per_dim.sum(axis=1)
    return {"reconstruction": reconstruction, "kl": kl, "kl_per_dim": kl_per_dim, "neg_elbo": reconstruction + kl}

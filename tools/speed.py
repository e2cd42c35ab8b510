"""Seconds per training epoch of eight course models on the current Keras backend, against the CPU's limit.

    KERAS_BACKEND=jax python tools/speed.py          # prints one JSON object
    KERAS_BACKEND=jax python tools/speed.py --fast   # with the notebooks' FAST settings
    KERAS_BACKEND=tensorflow python tools/speed.py --fast --tf-data   # fed from a tf.data.Dataset

Run for every installed backend by ``python tools/run_course.py --speed``. The
models are those of notebooks 01 (dense), 05 (convolutional), 06 (LSTM over
pairs of image rows), 07 (VAE), 09 (conditional VAE), 10 (VQ-VAE), 13 (masked
autoencoder, pretraining) and 14 (TopK sparse autoencoder), trained as there on
54,000 MNIST training images (the sparse autoencoder on 54,000 random vectors
of 128 values standing in for a network's activations). Without ``--fast`` every model compiles with Keras's
defaults; with it, with the ``FAST`` settings of the notebooks' setup cells
(``steps_per_execution=16, jit_compile=True``; TensorFlow and JAX only). With ``--tf-data``
(TensorFlow only), each model is fed from a ``tf.data.Dataset`` of the same arrays, cached,
shuffled every epoch, batched and prefetched, instead of the NumPy arrays that the notebooks
pass to ``fit``: the difference is the cost of Keras's input path for arrays. Each model trains one
warm-up epoch (which compiles or traces the step), then 3 timed epochs: the
median and the range are reported.

Each model's training work per epoch is counted from its layers, in
multiply-adds of the dense, convolution and recurrent kernels, of attention
(its four projections, the query-key scores and the weighted sum of the values)
and of the quantiser's distances, at 2 FLOPs each, times the images of an epoch. A layer
costs 3 times its forward pass in training (forward, the gradient of its input,
the gradient of its weights), the first weighted layer 2 times (its input, the
image, needs no gradient), the quantiser 2 times (its distances, and the
moving-average update; no gradient passes its argmin). The VAE's training step
runs its encoder twice (once for the reconstruction, once more in its loss for
the KL term), and both are counted; the conditional VAE's step also runs its
decoder forward once more (uncounted), and the sparse autoencoder's auxiliary
loss is uncounted too. Elementwise work (activations, losses, the
optimizer) is left out, so the count is a lower bound. The same process times a dense float32 matmul
(2048 x 2048, best of 5) with the backend's ``keras.ops.matmul``: its FLOPs per
second are the CPU's practical limit for this backend, and each model's
achieved FLOPs per second are reported as a fraction of it.
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
import numpy as np  # noqa: E402

import utils  # noqa: E402
from keras import ops  # noqa: E402

from utils.cvae import ConditionalVAE  # noqa: E402
from utils.mae import GatherPatches, InsertMaskTokens, KeepVisible, Patchify, PositionEmbedding, RandomPatchMask  # noqa: E402
from utils.mae import transformer_block  # noqa: E402
from utils.sae import SparseAutoencoder  # noqa: E402
from utils.vae import VAE, Sampling  # noqa: E402
from utils.vqvae import VectorQuantizer  # noqa: E402

N_IMAGES = 54_000
TIMED_EPOCHS = 3


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


def vq_vae() -> keras.Model:
    """Conv 16-32 stride 2 to a 7x7 grid of 16-D vectors, K = 128 moving-average codebook, mirrored decoder (notebook 10)."""
    conv = dict(kernel_size=3, padding="same", activation="relu")
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, strides=2, **conv), keras.layers.Conv2D(32, strides=2, **conv),
        keras.layers.Conv2D(16, 1), VectorQuantizer(128, 16, beta=0.25, decay=0.99),
        keras.layers.Conv2D(32, **conv),
        keras.layers.Conv2DTranspose(32, strides=2, **conv), keras.layers.Conv2DTranspose(16, strides=2, **conv),
        keras.layers.Conv2D(1, 3, padding="same"),
    ], name="vqvae")


def conditional_vae() -> keras.Model:
    """784+10 -> 256 -> 2-D code, decoder 2+10 -> 256 -> 784, both given the one-hot label (notebook 09)."""
    images, labels = keras.Input((28, 28, 1)), keras.Input((10,))
    h = keras.layers.Dense(256, activation="relu")(keras.layers.Concatenate()([keras.layers.Flatten()(images), labels]))
    z_mean, z_log_var = keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)
    encoder = keras.Model([images, labels], [z_mean, z_log_var, Sampling(seed=0)([z_mean, z_log_var])])
    z, labels = keras.Input((2,)), keras.Input((10,))
    h = keras.layers.Dense(256, activation="relu")(keras.layers.Concatenate()([z, labels]))
    pixels = keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="sigmoid")(h))
    return ConditionalVAE(encoder, keras.Model([z, labels], pixels), name="cvae")


def masked_ae() -> keras.Model:
    """16 patches of 7x7, 12 hidden; encoder 3 blocks of width 64 (4 heads) on the 4 visible, decoder 1 block of 64 (notebook 13).

    One functional graph (the notebook nests an encoder and a decoder model), so every layer's token count is known.
    Input (batch, 28, 28); output (batch, 16, 49), the hidden patches predicted and the visible ones copied.
    """
    images = keras.Input((28, 28))
    patches = Patchify(7)(images)
    visible, hidden = RandomPatchMask(0.75, seed=0)(patches)
    x = keras.layers.Dense(64)(GatherPatches()(patches, visible))
    x = PositionEmbedding(16)(x, visible)
    for i in range(3):
        x = transformer_block(x, 4, 128, name=f"encoder_block{i + 1}")
    x = keras.layers.Dense(64)(keras.layers.LayerNormalization(epsilon=1e-6)(x))
    x = PositionEmbedding(16)(InsertMaskTokens()(x, visible, hidden))
    x = keras.layers.LayerNormalization(epsilon=1e-6)(transformer_block(x, 4, 128, name="decoder_block1"))
    return keras.Model(images, KeepVisible()(keras.layers.Dense(49)(x), patches, hidden), name="mae")


def topk_sae() -> keras.Model:
    """TopK sparse autoencoder, 128 -> 512 latents (k = 16) -> 128, with the auxiliary loss (notebook 14)."""
    return SparseAutoencoder(128, 512, k=16, aux_k=32, aux_coef=1 / 32, dead_after=50, name="sae")


def mnist_images(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The first N_IMAGES MNIST training images in the model's input shape, as inputs and as targets."""
    (x, _), _ = utils.load_dataset("mnist")
    x = x[:N_IMAGES].reshape((N_IMAGES, *shape))
    return x, x


def flat_images() -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 784): dense models."""
    return mnist_images((784,))


def grid_images() -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28, 1): convolutional models."""
    return mnist_images((28, 28, 1))


def row_sequences() -> tuple[np.ndarray, np.ndarray]:
    """Images as 14 steps of two rows, (n, 14, 56): notebook 06's sequences."""
    return mnist_images((14, 56))


def labelled_images() -> tuple[list[np.ndarray], np.ndarray]:
    """Inputs [images (n, 28, 28, 1), one-hot labels (n, 10)]; the target is the images: notebook 09."""
    (x, labels), _ = utils.load_dataset("mnist")
    x = x[:N_IMAGES].reshape((N_IMAGES, 28, 28, 1))
    return [x, keras.utils.to_categorical(labels[:N_IMAGES], 10).astype("float32")], x


def image_patches() -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28); the target is their 16 patches of 7x7, (n, 16, 49): notebook 13."""
    x, _ = mnist_images((28, 28))
    return x, ops.convert_to_numpy(Patchify(7)(x))


def stand_in_activations() -> tuple[np.ndarray, np.ndarray]:
    """Normal random vectors (n, 128) in place of a network's activations: notebook 14's SAE."""
    x = np.random.default_rng(0).normal(size=(N_IMAGES, 128)).astype("float32")
    return x, x


# name: (builder, data, batch size, learning rate, loss); loss None: the model adds its own
MODELS = {
    "dense AE (01)": (dense_ae, flat_images, 128, 2e-3, "binary_crossentropy"),
    "conv AE (05)": (conv_ae, grid_images, 128, 2e-3, "binary_crossentropy"),
    "LSTM rows AE (06)": (lstm_ae, row_sequences, 32, 3e-3, "binary_crossentropy"),
    "VAE (07)": (vae, flat_images, 128, 1e-3, None),
    "conditional VAE (09)": (conditional_vae, labelled_images, 128, 2e-3, None),
    "VQ-VAE (10)": (vq_vae, grid_images, 128, 2e-3, "mse"),
    "masked AE (13)": (masked_ae, image_patches, 256, 2e-3, "mse"),
    "TopK SAE (14)": (topk_sae, stand_in_activations, 512, 4e-3, "mse"),
}


def layer_macs(layer: keras.layers.Layer) -> int:
    """Multiply-adds of one image's forward pass through one layer (0 for layers without kernels)."""
    if isinstance(layer, keras.layers.Bidirectional) or (
            isinstance(layer, keras.layers.TimeDistributed) and not isinstance(layer.layer, keras.layers.Dense)):
        inner = getattr(layer, "layer", None) or getattr(layer, "forward_layer", None)
        raise NotImplementedError(f"no multiply-add count for {type(layer).__name__}({type(inner).__name__})")
    if isinstance(layer.output, (list, tuple)):  # several outputs (a mask's positions): no kernel
        return 0
    out = layer.output.shape
    if isinstance(layer, keras.layers.TimeDistributed):
        layer = layer.layer  # a Dense at every step; the steps come from `out`
    if isinstance(layer, keras.layers.Dense):
        steps = int(np.prod(out[1:-1])) if len(out) > 2 else 1
        return steps * layer.kernel.shape[0] * layer.kernel.shape[1]
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Conv1D)):
        kernel = layer.kernel.shape  # (*window, in, out) for Conv, (*window, out, in) for ConvTranspose
        grid = layer.input.shape if isinstance(layer, keras.layers.Conv2DTranspose) else out  # where the kernel is applied
        return int(np.prod(grid[1:-1])) * int(np.prod(kernel[:-2])) * kernel[-2] * kernel[-1]
    if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        gates = 4 if isinstance(layer, keras.layers.LSTM) else 3
        steps, features = layer.input.shape[1], layer.input.shape[2]
        return steps * gates * (features + layer.units) * layer.units
    if isinstance(layer, keras.layers.MultiHeadAttention):  # self-attention over `tokens` tokens
        tokens = out[1]
        heads, key_dim, value_dim = layer.num_heads, layer.key_dim, layer.value_dim or layer.key_dim
        projections = sum(int(np.prod(d.kernel.shape)) for d in
                          (layer._query_dense, layer._key_dense, layer._value_dense, layer._output_dense))
        return tokens * projections + heads * tokens * tokens * (key_dim + value_dim)  # scores, weighted values
    if isinstance(layer, VectorQuantizer):
        return int(np.prod(out[1:-1])) * layer.num_codes * layer.code_dim  # distances to every entry
    return 0


def training_macs(model: keras.Model, *, first: bool = True) -> int:
    """Multiply-adds of one image's training step (forward and backward) through ``model``'s layers, nested ones included.

    ``first``: the model's first weighted layer reads the images (no input gradient).
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += training_macs(layer, first=first)
            first = first and total == 0
            continue
        macs = layer_macs(layer)
        factor = 2 if isinstance(layer, VectorQuantizer) or (first and macs) else 3
        total += factor * macs
        first = first and macs == 0
    return total


def epoch_gflop(model: keras.Model) -> float:
    """Training FLOPs of one epoch of N_IMAGES images, in GFLOP (2 FLOPs per multiply-add)."""
    if isinstance(model, VAE):  # the encoder runs twice per step: in call and again in compute_loss
        macs = 2 * training_macs(model.encoder) + training_macs(model.decoder, first=False)
    elif isinstance(model, SparseAutoencoder):  # a subclassed model: its two Dense kernels, counted directly
        encoder, decoder = model.encoder.kernel.shape, model.decoder.kernel.shape
        macs = 2 * encoder[0] * encoder[1] + 3 * decoder[0] * decoder[1]
    else:
        macs = training_macs(model)
    return 2 * macs * N_IMAGES / 1e9


def matmul_gflops(n: int = 2048, repeats: int = 5) -> float:
    """The backend's dense float32 matmul throughput on this CPU, GFLOP/s, best of ``repeats``."""
    a = ops.convert_to_tensor(np.random.default_rng(0).normal(size=(n, n)).astype("float32"))
    ops.convert_to_numpy(ops.matmul(a, a))  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        ops.convert_to_numpy(ops.matmul(a, a))
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def fast_settings(fast: bool) -> dict:
    """The notebooks' ``FAST`` compile settings (TensorFlow and JAX), or Keras's defaults."""
    if not fast or keras.backend.backend() == "torch":
        return {}
    return {"steps_per_execution": 16, "jit_compile": True}


def tf_dataset(x, targets, batch_size: int):
    """The arrays as a cached tf.data pipeline, reshuffled every epoch (seed 0), batched and prefetched."""
    import tensorflow as tf

    inputs = tuple(x) if isinstance(x, list) else x
    elements = (inputs,) if targets is None else (inputs, targets)  # (x,) for models whose loss needs no target
    n = len(tf.nest.flatten(elements)[0])  # rows
    return (tf.data.Dataset.from_tensor_slices(elements).cache().shuffle(n, seed=0)
            .batch(batch_size).prefetch(tf.data.AUTOTUNE))


def time_model(name: str, fast: bool = False, tf_data: bool = False) -> dict:
    """Train one warm-up and TIMED_EPOCHS timed epochs: seconds per epoch (median, min, max) and GFLOP per epoch."""
    build, data, batch_size, learning_rate, loss = MODELS[name]
    keras.utils.set_random_seed(0)
    x, targets = data()
    targets = None if loss is None else targets
    model = build()
    model.compile(optimizer=utils.cosine_adam(learning_rate, epochs=1 + TIMED_EPOCHS, n_samples=N_IMAGES,
                                              batch_size=batch_size), loss=loss, **fast_settings(fast))
    if tf_data:
        dataset = tf_dataset(x, targets, batch_size)
        fit = lambda: model.fit(dataset, epochs=1, verbose=0, shuffle=False)  # noqa: E731  (the dataset shuffles itself)
    else:
        fit = lambda: model.fit(x, targets, epochs=1, batch_size=batch_size, verbose=0)  # noqa: E731
    fit()  # warm-up: compiles the step (and fills the tf.data cache)
    seconds = []
    for _ in range(TIMED_EPOCHS):
        start = time.perf_counter()
        fit()
        seconds.append(time.perf_counter() - start)
    return {"median": round(float(np.median(seconds)), 2), "min": round(min(seconds), 2), "max": round(max(seconds), 2),
            "gflop": round(epoch_gflop(model), 1)}


if __name__ == "__main__":
    fast, tf_data = "--fast" in sys.argv[1:], "--tf-data" in sys.argv[1:]
    if tf_data and keras.backend.backend() != "tensorflow":
        raise SystemExit("--tf-data times the TensorFlow backend only: KERAS_BACKEND=tensorflow.")
    limit = matmul_gflops()
    print(json.dumps({"backend": keras.backend.backend(), "fast": fast, "matmul_gflops": round(limit, 1),
                      "epochs": {name: time_model(name, fast, tf_data) for name in MODELS}}))

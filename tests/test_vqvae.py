"""utils.vqvae: the vector quantiser, codebook health and the PixelCNN's masked convolution (notebook 10)."""

import numpy as np
import pytest

import keras
from keras import ops

from utils.vqvae import MaskedConv2D, VectorQuantizer, causal_mask, codebook_usage

pytestmark = pytest.mark.keras_backend

K, D = 6, 3


def numpy(x):
    return ops.convert_to_numpy(x)


def quantizer(beta=0.25, seed=0):
    layer = VectorQuantizer(K, D, beta=beta, name="quantizer")
    layer.build((None, 4, 4, D))
    layer.codebook.assign(np.random.default_rng(seed).normal(size=(K, D)).astype("float32"))
    return layer


def vectors(seed=1, shape=(5, 4, 4, D)):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def nearest(z, codebook):
    """NumPy reference: index of the nearest codebook row for each vector."""
    return np.argmin(((z[..., None, :] - codebook) ** 2).sum(axis=-1), axis=-1)


def gradient(f, z):
    """d f(z) / dz for a scalar function of one float32 array, on the current backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        z = tf.Variable(z)
        with tf.GradientTape() as tape:
            value = f(z)
        return tape.gradient(value, z).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(f)(z))
    if backend == "torch":
        import torch

        z = torch.tensor(z, requires_grad=True)
        f(z).backward()
        return z.grad.numpy()
    pytest.skip(f"no gradient helper for the {backend} backend")


# ------------------------------------------------------------------ the quantiser


def test_codes_are_the_nearest_entries_and_the_output_is_their_vectors():
    layer, z = quantizer(), vectors()
    codebook = numpy(layer.codebook)
    codes = numpy(layer.codes(z))
    assert codes.shape == (5, 4, 4)
    np.testing.assert_array_equal(codes, nearest(z, codebook))
    np.testing.assert_allclose(numpy(layer(z)), codebook[codes], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(numpy(layer.lookup(codes)), codebook[codes])


def test_the_layer_adds_the_codebook_and_commitment_losses():
    beta = 0.4
    layer, z = quantizer(beta=beta), vectors()
    model = keras.Model(inputs := keras.Input((4, 4, D)), layer(inputs))
    model(z)
    z_q = numpy(layer.codebook)[nearest(z, numpy(layer.codebook))]
    expected = (1 + beta) * np.mean((z - z_q) ** 2)  # the two terms have the same value, different gradients
    assert len(model.losses) == 1
    assert float(numpy(model.losses[0])) == pytest.approx(expected, rel=1e-5)


def gradients(f, *arrays):
    """The gradients of a scalar f(*arrays) with respect to each float32 array, on the current backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.constant(a) for a in arrays]
        with tf.GradientTape() as tape:
            for t in tensors:
                tape.watch(t)
            value = f(*tensors)
        return [tf.convert_to_tensor(g).numpy() for g in tape.gradient(value, tensors)]
    if backend == "jax":
        import jax

        return [np.asarray(g) for g in jax.grad(f, argnums=tuple(range(len(arrays))))(*arrays)]
    if backend == "torch":
        import torch

        tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
        f(*tensors).backward()
        return [t.grad.numpy() for t in tensors]
    pytest.skip(f"no gradient helper for the {backend} backend")


def test_the_codebook_loss_moves_only_the_codebook_and_the_commitment_loss_only_z_e():
    beta = 0.4
    layer, z = quantizer(beta=beta), vectors(shape=(2, 4, 4, D))
    codebook = numpy(layer.codebook)

    def added_loss(z_e, entries):  # the loss the layer adds, as a function of its input and its codebook
        _, _, losses = layer.stateless_call([entries], [], z_e, return_losses=True)
        return losses[0]

    grad_z, grad_codebook = gradients(added_loss, z, codebook)
    codes = nearest(z, codebook)
    z_q = codebook[codes]
    n = z.size  # the losses are means over every position and dimension
    # commitment loss beta * mean((z_e - sg[z_q])^2): reaches z_e only, scaled by beta
    np.testing.assert_allclose(grad_z, beta * 2 * (z - z_q) / n, rtol=1e-4, atol=1e-7)
    # codebook loss mean((sg[z_e] - z_q)^2): reaches the chosen entries only, not scaled by beta
    expected = np.zeros_like(codebook)
    np.add.at(expected, codes.ravel(), (2 * (z_q - z) / n).reshape(-1, D))
    np.testing.assert_allclose(grad_codebook, expected, rtol=1e-4, atol=1e-7)


def test_the_gradient_passes_straight_through_the_quantiser():
    layer, z = quantizer(), vectors(shape=(2, 4, 4, D))
    weights = np.random.default_rng(2).normal(size=z.shape).astype("float32")
    # d/dz sum(w * z_q) with z_q = z + sg(z_q - z): exactly w, although argmin has no gradient.
    grad = gradient(lambda v: ops.sum(ops.convert_to_tensor(weights) * layer(v)), z)
    np.testing.assert_allclose(grad, weights, rtol=1e-6, atol=1e-6)


def test_save_and_load_give_identical_codes(tmp_path):
    images = keras.Input((4, 4, 2), name="image")
    z_e = keras.layers.Conv2D(D, 1, name="z_e")(images)
    layer = VectorQuantizer(K, D, beta=0.3, name="quantizer")
    model = keras.Model(images, layer(z_e), name="vq")
    x = vectors(shape=(8, 4, 4, 2))
    path = tmp_path / "vq.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    q = restored.get_layer("quantizer")
    assert isinstance(q, VectorQuantizer) and (q.num_codes, q.code_dim, q.beta) == (K, D, 0.3)
    z = numpy(model.get_layer("z_e")(x))
    np.testing.assert_array_equal(numpy(q.codes(z)), numpy(layer.codes(z)))
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


# ------------------------------------------------------------------ codebook health


def test_usage_of_uniform_single_and_skewed_codes():
    uniform = codebook_usage(np.arange(8).repeat(5), 8)
    assert uniform == pytest.approx({"perplexity": 8.0, "codes_used_fraction": 1.0, "dead_codes_fraction": 0.0})
    single = codebook_usage(np.full((3, 7, 7), 2), 4)
    assert single == pytest.approx({"perplexity": 1.0, "codes_used_fraction": 0.25, "dead_codes_fraction": 0.75})
    skewed = codebook_usage(np.array([0, 0, 0, 1]), 4)  # p = (3/4, 1/4)
    assert skewed["perplexity"] == pytest.approx(np.exp(-(0.75 * np.log(0.75) + 0.25 * np.log(0.25))))
    assert skewed["codes_used_fraction"] == 0.5


def test_a_rarely_used_code_is_dead_but_used():
    codes = np.array([0] * 999 + [1])  # code 1: 1 of 1000 positions; uniform use of 2 codes would give 500
    usage = codebook_usage(codes, 2, dead_below=0.01)
    assert usage["codes_used_fraction"] == 1.0 and usage["dead_codes_fraction"] == 0.5
    assert codebook_usage(codes, 2, dead_below=0.0)["dead_codes_fraction"] == 0.0


# ------------------------------------------------------------------ the masked convolution


def test_causal_masks():
    a, b = causal_mask(3, "A")[..., 0, 0], causal_mask(3, "B")[..., 0, 0]
    np.testing.assert_array_equal(a, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b, [[1, 1, 1], [1, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_masked_conv_sees_only_earlier_positions(mask_type):
    keras.utils.set_random_seed(0)
    layer = MaskedConv2D(4, 5, mask_type=mask_type)
    x = vectors(shape=(1, 6, 6, 2))
    base = numpy(layer(x))
    for position in range(36):
        changed = x.copy()
        changed[0, position // 6, position % 6] += 1.0
        moved = np.abs(numpy(layer(changed)) - base).sum(axis=-1)[0].ravel()  # (36,) change at each output
        affected = np.flatnonzero(moved > 1e-6)
        first = position + (mask_type == "A")  # outputs before this one must not change
        assert affected.size == 0 or affected.min() >= first, (position, affected)
        if position % 6 < 5:  # the right neighbour sees this position: a dead layer must not pass
            assert position + 1 in affected, (position, affected)
        if mask_type == "B":  # mask "B" also sees its own position
            assert position in affected, (position, affected)


# ------------------------------------------------------------------ the moving-average codebook


def ema_quantizer(decay=0.9, seed=0):
    layer = VectorQuantizer(K, D, beta=0.25, decay=decay, name="quantizer")
    layer.build((None, 4, 4, D))
    layer.set_entries(np.arange(K), np.random.default_rng(seed).normal(size=(K, D)))
    return layer


def test_the_moving_average_codebook_is_not_trained_by_the_optimizer_and_adds_only_the_commitment_loss():
    beta = 0.4
    layer = VectorQuantizer(K, D, beta=beta, decay=0.99)
    z = vectors()
    model = keras.Model(inputs := keras.Input((4, 4, D)), layer(inputs))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
    model(z)
    z_q = numpy(layer.codebook)[nearest(z, numpy(layer.codebook))]
    assert float(numpy(model.losses[0])) == pytest.approx(beta * np.mean((z - z_q) ** 2), rel=1e-5)


def test_a_training_call_moves_each_chosen_entry_by_the_moving_average_of_its_vectors():
    decay = 0.9
    layer, z = ema_quantizer(decay), vectors()
    codebook = numpy(layer.codebook)
    codes = nearest(z, codebook).ravel()
    flat = z.reshape(-1, D)
    layer(z, training=False)
    np.testing.assert_array_equal(numpy(layer.codebook), codebook)  # inference leaves the codebook alone
    layer(z, training=True)
    counts = decay * 1.0 + (1 - decay) * np.bincount(codes, minlength=K)  # the counts start at 1
    sums = decay * codebook + (1 - decay) * np.stack([flat[codes == k].sum(axis=0) for k in range(K)])
    smoothed = (counts + 1e-5) / (counts.sum() + K * 1e-5) * counts.sum()
    np.testing.assert_allclose(numpy(layer.ema_counts), counts, rtol=1e-5)
    np.testing.assert_allclose(numpy(layer.codebook), sums / smoothed[:, None], rtol=1e-4, atol=1e-6)
    chosen = np.unique(codes)
    assert np.all(np.abs(numpy(layer.codebook)[chosen] - codebook[chosen]).max(axis=1) > 0)


def test_an_entry_never_chosen_keeps_a_finite_value_as_its_count_decays():
    layer = ema_quantizer(decay=0.5)
    z = np.broadcast_to(numpy(layer.codebook)[0], (2, 4, 4, D)).astype("float32")  # every vector picks entry 0
    for _ in range(60):  # the other counts decay to 0.5**60, far below the smoothing's 1e-5
        layer(z, training=True)
    counts = numpy(layer.ema_counts)
    assert counts[1:].max() < 1e-15
    codebook = numpy(layer.codebook)
    assert np.all(np.isfinite(codebook))
    total = counts.sum()
    smoothed = (counts + 1e-5) / (total + K * 1e-5) * total
    np.testing.assert_allclose(codebook, numpy(layer.ema_sums) / smoothed[:, None], rtol=1e-4, atol=1e-6)


def test_a_frozen_quantizer_keeps_its_codebook():
    layer = ema_quantizer()
    layer.trainable = False
    before = numpy(layer.codebook).copy()
    layer(vectors(), training=True)
    np.testing.assert_array_equal(numpy(layer.codebook), before)


def test_repeated_batches_pull_an_entry_to_the_mean_of_its_vectors():
    layer = ema_quantizer(decay=0.5)
    target = numpy(layer.codebook)[0] + 0.1
    z = np.broadcast_to(target, (2, 4, 4, D)).astype("float32")  # every vector nearest to entry 0
    assert np.all(nearest(z, numpy(layer.codebook)) == 0)
    for _ in range(60):
        layer(z, training=True)
    np.testing.assert_allclose(numpy(layer.codebook)[0], target, rtol=1e-3, atol=1e-3)


def test_set_entries_moves_the_chosen_entries_and_their_moving_averages_only():
    layer = ema_quantizer()
    for _ in range(3):  # uneven counts, as after training
        layer(vectors(), training=True)
    counts, sums = numpy(layer.ema_counts).copy(), numpy(layer.ema_sums).copy()
    new = np.full((2, D), 3.0, "float32")
    layer.set_entries([1, 4], new)
    np.testing.assert_array_equal(numpy(layer.codebook)[[1, 4]], new)
    np.testing.assert_allclose(numpy(layer.ema_sums)[[1, 4]] / numpy(layer.ema_counts)[[1, 4], None], new, rtol=1e-6)
    np.testing.assert_allclose(numpy(layer.ema_counts)[[1, 4]], counts.mean(), rtol=1e-6)
    others = [0, 2, 3, 5]
    np.testing.assert_array_equal(numpy(layer.ema_sums)[others], sums[others])
    np.testing.assert_array_equal(numpy(layer.ema_counts)[others], counts[others])
    plain = quantizer()
    plain.set_entries([0], np.zeros((1, D)))
    np.testing.assert_array_equal(numpy(plain.codebook)[0], np.zeros(D))


def test_the_moving_average_quantizer_trains_in_fit_and_saves_and_loads(tmp_path):
    images = keras.Input((4, 4, 2), name="image")
    z_e = keras.layers.Conv2D(D, 1, name="z_e")(images)
    layer = VectorQuantizer(K, D, decay=0.9, name="quantizer")
    model = keras.Model(images, keras.layers.Conv2D(2, 1, name="out")(layer(z_e)), name="vq")
    x = vectors(shape=(64, 4, 4, 2))
    model.compile(optimizer="adam", loss="mse")
    before = numpy(layer.codebook).copy()
    model.fit(x, x, batch_size=16, epochs=1, verbose=0)
    assert np.abs(numpy(layer.codebook) - before).max() > 1e-3  # fit ran the moving-average updates
    model.save(tmp_path / "vq.keras")
    restored = keras.saving.load_model(tmp_path / "vq.keras", compile=False)
    q = restored.get_layer("quantizer")
    assert q.decay == 0.9
    for name in ("codebook", "ema_counts", "ema_sums"):  # the running means survive, so training can go on
        np.testing.assert_array_equal(numpy(getattr(q, name)), numpy(getattr(layer, name)))
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_masked_conv_saves_and_loads(tmp_path):
    codes = keras.Input((5, 5), dtype="int32")
    h = keras.layers.Embedding(K, 4)(codes)
    model = keras.Model(codes, MaskedConv2D(K, 3, mask_type="A", activation="relu", name="masked")(h))
    x = np.random.default_rng(0).integers(0, K, (4, 5, 5)).astype("int32")
    model.save(tmp_path / "prior.keras")
    restored = keras.saving.load_model(tmp_path / "prior.keras")
    assert restored.get_layer("masked").mask_type == "A"
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: VectorQuantizer(1, D), ValueError, "num_codes must be a whole number >= 2"),
        (lambda: VectorQuantizer("8", D), TypeError, "num_codes"),
        (lambda: VectorQuantizer(K, 0), ValueError, "code_dim"),
        (lambda: VectorQuantizer(K, D, beta=-1.0), ValueError, "beta"),
        (lambda: VectorQuantizer(K, D, decay=1.0), ValueError, "decay"),
        (lambda: VectorQuantizer(K, D, decay=0), ValueError, "decay"),
        (lambda: VectorQuantizer(K, D, decay="0.99"), TypeError, "decay"),
        (lambda: VectorQuantizer(K, D).build((None, 7, 7, D + 1)), ValueError, f"last axis is code_dim={D}"),
        (lambda: codebook_usage(np.array([0, 1, 8]), 8), ValueError, r"codes must be whole numbers in \[0, 8\)"),
        (lambda: codebook_usage(np.array([0.5, 1.0]), 8), ValueError, "codes must be whole numbers"),
        (lambda: codebook_usage(np.array([-1, 1]), 8), ValueError, "codes must be whole numbers"),
        (lambda: codebook_usage("codes", 8), TypeError, "codes"),
        (lambda: codebook_usage(np.array([], dtype="int64"), 8), ValueError, "codes"),
        (lambda: codebook_usage(np.array([0, 1]), True), ValueError, "num_codes"),
        (lambda: codebook_usage(np.array([0, 1]), 8, dead_below=2), ValueError, "dead_below"),
        (lambda: causal_mask(4, "A"), ValueError, "kernel_size must be odd"),
        (lambda: causal_mask(3, "C"), ValueError, "mask_type"),
        (lambda: causal_mask(3, 1), TypeError, "mask_type"),
        (lambda: MaskedConv2D(0, 3), ValueError, "filters"),
    ],
)
def test_bad_input_is_refused(make, error, match):
    with pytest.raises(error, match=match):
        make()

"""The masked autoencoder of notebook 13 (utils.mae): patches, masks, mask tokens, the loss, saving and loading."""

import numpy as np
import pytest

import keras
from keras import ops

from utils.mae import (
    GatherPatches,
    InsertMaskTokens,
    KeepVisible,
    Patchify,
    PositionEmbedding,
    RandomPatchMask,
    masked_patch_mse,
    transformer_block,
    unpatchify,
)

pytestmark = pytest.mark.keras_backend


def numpy(x):
    return ops.convert_to_numpy(x)


def images(n=5, side=28, seed=0):
    return np.random.default_rng(seed).random((n, side, side)).astype("float32")


def test_patchify_shapes_and_order():
    x = images(3)
    patches = numpy(Patchify(7)(x))
    assert patches.shape == (3, 16, 49)
    np.testing.assert_array_equal(patches[:, 0], x[:, :7, :7].reshape(3, 49))  # top-left patch
    np.testing.assert_array_equal(patches[:, 1], x[:, :7, 7:14].reshape(3, 49))  # its right neighbour
    np.testing.assert_array_equal(patches[:, 4], x[:, 7:14, :7].reshape(3, 49))  # second row of patches
    np.testing.assert_array_equal(numpy(Patchify(7)(x[..., None])), patches)  # a channel axis of 1 is accepted
    assert Patchify(4).compute_output_shape((None, 28, 28)) == (None, 49, 16)


@pytest.mark.parametrize("patch_size, side", [(7, 28), (4, 28), (2, 8)])
def test_unpatchify_inverts_patchify(patch_size, side):
    x = images(4, side)
    np.testing.assert_array_equal(numpy(unpatchify(Patchify(patch_size)(x), side)), x)


def masks(ratio, n_images=64, n_patches=16, seed=0):
    patches = np.zeros((n_images, n_patches, 3), "float32")
    visible, hidden = RandomPatchMask(ratio, seed=seed)(patches)
    return numpy(visible), numpy(hidden)


@pytest.mark.parametrize("ratio, n_hidden", [(0.75, 12), (0.5, 8), (0.25, 4), (0.875, 14), (0.0, 0)])
def test_mask_hides_exactly_the_right_number_of_patches(ratio, n_hidden):
    visible, hidden = masks(ratio)
    assert visible.shape == (64, 16 - n_hidden) and hidden.shape == (64, n_hidden)
    assert visible.dtype == np.int32 and hidden.dtype == np.int32
    together = np.sort(np.concatenate([visible, hidden], axis=1), axis=1)
    np.testing.assert_array_equal(together, np.broadcast_to(np.arange(16), (64, 16)))  # a partition of 0..15
    assert np.all(np.diff(visible, axis=1) > 0) and (n_hidden < 2 or np.all(np.diff(hidden, axis=1) > 0))


def test_masks_are_random_per_image_and_reproducible_from_the_seed():
    visible, _ = masks(0.75, n_images=200)
    assert len({tuple(row) for row in visible}) > 150  # 1,820 possible sets of 4 visible patches
    counts = np.bincount(visible.ravel(), minlength=16)
    assert counts.min() > 0.5 * counts.mean()  # every position is shown, about equally often
    np.testing.assert_array_equal(masks(0.75, seed=3)[0], masks(0.75, seed=3)[0])
    assert not np.array_equal(masks(0.75, seed=3)[0], masks(0.75, seed=4)[0])
    layer = RandomPatchMask(0.75, seed=3)
    first, second = (numpy(layer(np.zeros((64, 16, 3), "float32"))[0]) for _ in range(2))
    assert not np.array_equal(first, second)  # a fresh mask at every call


def test_gather_position_embedding_and_mask_tokens_put_tokens_in_place():
    tokens = np.arange(2 * 6 * 3, dtype="float32").reshape(2, 6, 3)
    visible = np.array([[1, 4], [0, 5]], "int32")
    hidden = np.array([[0, 2, 3, 5], [1, 2, 3, 4]], "int32")
    gathered = numpy(GatherPatches()(tokens, visible))
    np.testing.assert_array_equal(gathered, tokens[np.arange(2)[:, None], visible])

    embed = PositionEmbedding(6)
    moved = numpy(embed(gathered, visible))
    table = numpy(embed.table)
    np.testing.assert_allclose(moved, gathered + table[visible], rtol=1e-6)
    np.testing.assert_allclose(numpy(embed(tokens)), tokens + table[None], rtol=1e-6)  # no positions: 0..k-1

    insert = InsertMaskTokens()
    full = numpy(insert(gathered, visible, hidden))
    mask_token = numpy(insert.mask_token)
    assert full.shape == (2, 6, 3)
    for b in range(2):
        np.testing.assert_array_equal(full[b, visible[b]], gathered[b])
        np.testing.assert_array_equal(full[b, hidden[b]], np.broadcast_to(mask_token, (4, 3)))


def test_loss_counts_hidden_patches_only():
    rng = np.random.default_rng(0)
    patches = rng.random((8, 16, 5)).astype("float32")
    pred = rng.random((8, 16, 5)).astype("float32")
    visible, hidden = masks(0.75, n_images=8, seed=1)
    out = numpy(KeepVisible()(pred, patches, hidden))
    rows = np.arange(8)[:, None]
    np.testing.assert_array_equal(out[rows, visible], patches[rows, visible])  # visible: copied, error 0
    np.testing.assert_array_equal(out[rows, hidden], pred[rows, hidden])
    changed = pred.copy()
    changed[rows, visible] += 10.0  # a prediction's visible part changes nothing
    np.testing.assert_array_equal(numpy(KeepVisible()(changed, patches, hidden)), out)
    by_hand = np.mean((patches[rows, hidden] - pred[rows, hidden]) ** 2)
    assert masked_patch_mse(patches, pred, hidden) == pytest.approx(by_hand, rel=1e-6)
    # the MSE over all 16 patches of the output is 12/16 of the loss on the hidden ones
    assert np.mean((out - patches) ** 2) == pytest.approx(12 / 16 * by_hand, rel=1e-5)


def tiny_mae(mask_ratio=0.75, seed=0):
    images_in = keras.Input(shape=(8, 8), name="images")
    patches = Patchify(2, name="patchify")(images_in)  # 16 patches of 4 pixels
    visible, hidden = RandomPatchMask(mask_ratio, seed=seed, name="mask")(patches)
    x = keras.layers.Dense(8)(GatherPatches()(patches, visible))
    x = transformer_block(PositionEmbedding(16)(x, visible), heads=2, mlp_dim=16, name="enc")
    x = InsertMaskTokens()(keras.layers.Dense(8)(x), visible, hidden)
    x = transformer_block(PositionEmbedding(16)(x), heads=2, mlp_dim=16, name="dec")
    out = KeepVisible()(keras.layers.Dense(4)(x), patches, hidden)
    return keras.Model(images_in, out, name="tiny_mae")


@pytest.mark.parametrize("mask_ratio", [0.75, 0.0], ids=["masked", "no mask"])
def test_mae_trains_saves_and_loads_with_identical_outputs(tmp_path, mask_ratio):
    x = images(32, 8)
    target = numpy(Patchify(2)(x))
    model = tiny_mae(mask_ratio)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, target, epochs=2, batch_size=16, verbose=0)
    path = str(tmp_path / "mae.keras")
    model.save(path)
    first, second = keras.saving.load_model(path), keras.saving.load_model(path)
    assert first.get_layer("mask").get_config() == model.get_layer("mask").get_config()
    for a, b in zip(first.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    out = numpy(first.predict(x, verbose=0))
    np.testing.assert_array_equal(out, numpy(second.predict(x, verbose=0)))  # same weights, same seed state
    assert out.shape == (32, 16, 4)
    if mask_ratio == 0.0:  # no randomness: the loaded model reproduces the original
        np.testing.assert_allclose(out, numpy(model.predict(x, verbose=0)), atol=1e-6)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Patchify(0), ValueError, "patch_size"),
        (lambda: Patchify(2.5), ValueError, "patch_size"),
        (lambda: Patchify("7"), TypeError, "patch_size"),
        (lambda: Patchify(5)(images(2)), ValueError, "multiple of patch_size"),
        (lambda: Patchify(7)(np.zeros((2, 28, 28, 3), "float32")), ValueError, "grey images"),
        (lambda: Patchify(7)(np.zeros((28, 28), "float32")), ValueError, "grey images"),
        (lambda: RandomPatchMask(1.0), ValueError, "mask_ratio"),
        (lambda: RandomPatchMask(-0.1), ValueError, "mask_ratio"),
        (lambda: RandomPatchMask("0.75"), TypeError, "mask_ratio"),
        (lambda: RandomPatchMask(0.9)(np.zeros((2, 4, 3), "float32")), ValueError, "hides all"),
        (lambda: RandomPatchMask(0.5)(np.zeros((2, 16), "float32")), ValueError, "n_patches"),
        (lambda: PositionEmbedding(0), ValueError, "n_positions"),
        (lambda: unpatchify(np.zeros((2, 16, 49)), 0), ValueError, "image_size"),
        (lambda: unpatchify(np.zeros((2, 16, 50)), 28), ValueError, "do not tile"),
        (lambda: unpatchify(np.zeros((2, 15, 49)), 28), ValueError, "do not tile"),
        (lambda: unpatchify(np.zeros((16, 49)), 28), ValueError, "batch, n_patches"),
        (lambda: masked_patch_mse(np.zeros((2, 16, 4)), np.zeros((2, 16, 5)), np.zeros((2, 3), int)), ValueError, "one shape"),
        (lambda: masked_patch_mse(np.zeros((2, 16, 4)), np.zeros((2, 16, 4)), np.zeros((2, 0), int)), ValueError, "hidden"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(make, error, match):
    with pytest.raises(error, match=match):
        make()

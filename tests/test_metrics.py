import numpy as np
import pytest

import utils


@pytest.fixture
def images():
    return np.random.default_rng(0).random((5, 28, 28)).astype("float32")


def test_bce_matches_keras(images):
    import keras

    pred = (0.05 + 0.9 * images[::-1]).astype("float32")  # away from 0 and 1, where clipping differs
    loss = keras.losses.BinaryCrossentropy()(images.reshape(5, -1), pred.reshape(5, -1))
    assert utils.bce_per_pixel(images, pred) == pytest.approx(float(keras.ops.convert_to_numpy(loss)), rel=1e-4)
    binary = (images > 0.5).astype("float32")
    assert utils.bce_per_pixel(binary, binary) < 1e-5  # a perfect copy of a binary image


def test_per_image_error_shapes_and_values(images):
    pred = images.copy()
    pred[2] = 1 - pred[2]
    mse = utils.per_image_error(images, pred, "mse")
    assert mse.shape == (5,)
    assert mse[0] == 0 and mse[2] > 0.1
    assert utils.per_image_error(images.reshape(5, -1), pred.reshape(5, -1), "bce").shape == (5,)


def test_psnr_of_known_mse():
    x = np.zeros((4, 28, 28), "float32")
    y = np.full((4, 28, 28), 0.1, "float32")  # MSE 0.01 -> 20 dB
    assert utils.psnr(x, y) == pytest.approx(20.0, abs=1e-4)
    assert utils.psnr(x, x) == pytest.approx(100.0)


def test_ssim_identical_and_degraded(images):
    assert utils.ssim(images, images) == pytest.approx(1.0)
    noisy = utils.add_gaussian_noise(images, 0.5, seed=1)
    assert utils.ssim(images, noisy) < 0.9
    assert utils.ssim(images.reshape(5, -1), noisy.reshape(5, -1)) == pytest.approx(utils.ssim(images, noisy))


def test_metrics_reject_mismatched_shapes(images):
    with pytest.raises(ValueError, match="same shape"):
        utils.psnr(images, images[:3])
    with pytest.raises(ValueError, match="same shape"):
        utils.bce_per_pixel(images, images.reshape(5, -1))


def test_metrics_reject_values_outside_unit_range(images):
    with pytest.raises(ValueError, match=r"x_pred must lie in \[0, 1\]"):
        utils.bce_per_pixel(images, images * 255)


def test_per_image_error_rejects_unknown_kind(images):
    with pytest.raises(ValueError, match="'mse' or 'bce'"):
        utils.per_image_error(images, images, "mae")


def test_ssim_rejects_non_square_images():
    x = np.zeros((2, 30), "float32")
    with pytest.raises(ValueError, match="square"):
        utils.ssim(x, x)


@pytest.mark.parametrize("shape", [(4, 16, 49), (4, 16, 49, 1), (4, 49, 16)])
def test_ssim_reads_non_square_images_at_their_real_shape(shape):
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(1)
    a, b = rng.random(shape), rng.random(shape)
    grey = (a.reshape(4, *shape[1:3]), b.reshape(4, *shape[1:3]))
    expected = np.mean([structural_similarity(p, q, data_range=1.0) for p, q in zip(*grey)])
    assert utils.ssim(a, b) == pytest.approx(expected)


@pytest.mark.parametrize(
    "metric, args, error, match",
    [
        (utils.per_image_error, ("images", "images", ["mse"]), TypeError, "kind must be one of the strings 'mse' or 'bce'"),
        (utils.per_image_error, ("images", "images", "mae"), ValueError, "kind must be 'mse' or 'bce', got 'mae'"),
        (utils.psnr, (None, "images"), TypeError, "x_true must be a batch of images"),
        (utils.bce_per_pixel, ("images", None), TypeError, "x_pred must be a batch of images"),
        (utils.psnr, ("images", "images_255"), ValueError, r"x_pred must lie in \[0, 1\]"),
        (utils.ssim, ("colour", "colour"), ValueError, "x_true must have shape .* grey"),
        (utils.ssim, ("tiny", "tiny"), ValueError, "at least 7x7 pixels, got 5x5"),
        (utils.ssim, ("flat_30", "flat_30"), ValueError, "30 values per image is not a square image"),
    ],
)
def test_metrics_refuse_bad_input(images, metric, args, error, match):
    named = {
        "images": images,
        "images_255": images * 255,
        "colour": np.repeat(images[..., None], 3, axis=-1),
        "tiny": images[:, :5, :5],
        "flat_30": np.zeros((2, 30), "float32"),
    }
    args = [named.get(a, a) if isinstance(a, str) else a for a in args]
    with pytest.raises(error, match=match):
        metric(*args)

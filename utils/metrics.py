"""Reconstruction metrics computed in NumPy on held-out images.

``bce_per_pixel`` is introduced in ``01_undercomplete_autoencoder.ipynb``,
``psnr`` and ``ssim`` in ``03_denoising_autoencoder.ipynb`` and
``per_image_error`` in ``11_anomaly_detection.ipynb``.
"""

from __future__ import annotations

import numpy as np

from utils import checks
from utils.data import check_images

_EPS = 1e-7  # the clipping Keras applies in binary cross-entropy


def _pair(x_true: np.ndarray, x_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x_true = check_images(x_true, "x_true")
    x_pred = check_images(x_pred, "x_pred")
    if x_true.shape != x_pred.shape:
        raise ValueError(
            f"x_true and x_pred must have the same shape, got {x_true.shape} and "
            f"{x_pred.shape}: reshape the reconstructions like the inputs."
        )
    n = len(x_true)
    return x_true.reshape(n, -1).astype("float64"), x_pred.reshape(n, -1).astype("float64")


def per_image_error(x_true: np.ndarray, x_pred: np.ndarray, kind: str = "mse") -> np.ndarray:
    """Reconstruction error of each image, averaged over its pixels.

    Args:
        x_true: images in [0, 1], shape (n, ...).
        x_pred: reconstructions in [0, 1], same shape.
        kind: ``"mse"`` (squared error) or ``"bce"`` (binary cross-entropy, nats).

    Returns:
        float64 array of shape (n,).

    Raises:
        TypeError: ``kind`` not a string, or images that are not arrays.
        ValueError: unknown ``kind``, mismatched shapes, or values outside [0, 1].
    """
    kind = checks.one_of("kind", kind, ("mse", "bce"))
    t, p = _pair(x_true, x_pred)
    if kind == "mse":
        return np.mean((t - p) ** 2, axis=1)
    p = np.clip(p, _EPS, 1 - _EPS)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p), axis=1)


def bce_per_pixel(x_true: np.ndarray, x_pred: np.ndarray) -> float:
    """Mean binary cross-entropy per pixel (nats), the number Keras reports as loss.

    Args:
        x_true: images in [0, 1], shape (n, ...).
        x_pred: reconstructions in [0, 1], same shape.

    Returns:
        A float: the mean over all images and pixels.
    """
    return float(per_image_error(x_true, x_pred, "bce").mean())


def psnr(x_true: np.ndarray, x_pred: np.ndarray) -> float:
    """Mean per-image peak signal-to-noise ratio in dB, with peak value 1.

    ``PSNR = 10 log10(1 / MSE)`` for each image, then averaged over images.
    A perfect reconstruction (MSE 0) is capped at 100 dB.

    Args:
        x_true: clean images in [0, 1], shape (n, ...).
        x_pred: images to compare, same shape.

    Returns:
        A float in dB.
    """
    mse = per_image_error(x_true, x_pred, "mse")
    return float(np.mean(10 * np.log10(1.0 / np.maximum(mse, 1e-10))))


def ssim(x_true: np.ndarray, x_pred: np.ndarray) -> float:
    """Mean per-image structural similarity (scikit-image, 7x7 window, data range 1).

    Args:
        x_true: clean grey images in [0, 1], shape (n, h, w), (n, h, w, 1)
            or flat (n, side*side) for square ones, e.g. (n, 28, 28) or
            (n, 784); at least 7x7 pixels (the window).
        x_pred: images to compare, same shape.

    Returns:
        A float, 1 for identical images.

    Raises:
        ValueError: mismatched shapes, colour images, flat images that are
            not square, or images smaller than 7x7.
    """
    from skimage.metrics import structural_similarity

    t, p = _pair(x_true, x_pred)
    height, width = checks.grey_images("x_true", x_true, min_side=7).shape[1:]  # the real side lengths
    t, p = t.reshape(-1, height, width), p.reshape(-1, height, width)
    return float(np.mean([structural_similarity(a, b, data_range=1.0) for a, b in zip(t, p)]))

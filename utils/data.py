"""Loading MNIST-style data offline, splitting it, and corrupting it with noise.

Introduced in ``00_introduction.ipynb``; every later notebook loads its data
through :func:`load_dataset`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Known datasets: name -> (file in ``data/``, SHA-256 of that file).
DATASETS: dict[str, tuple[str, str]] = {
    "mnist": (
        "mnist.npz",
        "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64",
    ),
    "fashion_mnist": (
        "fashion_mnist.npz",
        "5b6d2c4c694a91887af8ab7d039c04f80af3c29378d731c93a538d2e831aa469",
    ),
}

_KEYS = ("x_train", "y_train", "x_test", "y_test")

Split = tuple[np.ndarray, np.ndarray]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(name: str) -> tuple[Split, Split]:
    import keras  # imported here so that the data helpers stay light

    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist}
    try:
        return loader[name].load_data()
    except Exception as exc:  # no network, blocked host, ...
        filename = DATASETS[name][0]
        raise FileNotFoundError(
            f"data/{filename} is missing and keras.datasets could not download "
            f"{name!r} ({type(exc).__name__}: {exc}). Restore the file with "
            f"`git checkout -- data/{filename}` or run once with a network connection."
        ) from exc


def load_dataset(
    name: str = "mnist",
    *,
    flatten: bool = False,
    data_dir: str | Path | None = None,
) -> tuple[Split, Split]:
    """Load MNIST or Fashion-MNIST as float32 images in [0, 1].

    The archive in ``data/`` is checked against its SHA-256 before use. Only
    when the file is absent does the loader fall back to ``keras.datasets``
    (which needs a network).

    Args:
        name: ``"mnist"`` or ``"fashion_mnist"``.
        flatten: return images as (n, 784) instead of (n, 28, 28).
        data_dir: folder holding the ``.npz`` files (default: the course's ``data/``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` with ``x_*`` float32 of shape
        (n, 28, 28) or (n, 784) and ``y_*`` uint8 labels of shape (n,);
        n is 60000 for train and 10000 for test.

    Raises:
        ValueError: unknown name, or a file whose checksum or contents are wrong.
        FileNotFoundError: the file is missing and cannot be downloaded.
    """
    if name not in DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}: expected one of {sorted(DATASETS)}."
        )
    filename, expected = DATASETS[name]
    path = Path(data_dir) / filename if data_dir is not None else DATA_DIR / filename
    if path.is_file():
        actual = _sha256(path)
        if actual != expected:
            raise ValueError(
                f"{path.name} is corrupt or truncated: SHA-256 {actual[:16]}... does not "
                f"match the expected {expected[:16]}.... Restore it with "
                f"`git checkout -- data/{filename}`."
            )
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in _KEYS if k not in archive.files]
            if missing:
                raise ValueError(f"{path.name} lacks the arrays {missing}.")
            (x_train, y_train), (x_test, y_test) = (
                (archive["x_train"], archive["y_train"]),
                (archive["x_test"], archive["y_test"]),
            )
    else:
        (x_train, y_train), (x_test, y_test) = _download(name)

    def prepare(x: np.ndarray) -> np.ndarray:
        x = x.astype("float32") / 255.0
        return x.reshape(len(x), -1) if flatten else x

    return (prepare(x_train), y_train.astype("uint8")), (prepare(x_test), y_test.astype("uint8"))


def check_images(x: np.ndarray, name: str = "x") -> np.ndarray:
    """Check that ``x`` is a float array of images with values in [0, 1].

    Args:
        x: images of shape (n, 784), (n, 28, 28) or (n, 28, 28, 1); any
            (n, ...) shape with at least two axes is accepted.
        name: the argument's name, used in error messages.

    Returns:
        ``x`` unchanged, so the call can be chained.

    Raises:
        ValueError: not a floating-point array, fewer than 2 axes, an empty
            batch, NaN/inf, or values outside [0, 1].
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"{name} must hold floats in [0, 1], got dtype {x.dtype}: "
            f"divide uint8 images by 255 (load_dataset does this)."
        )
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(
            f"{name} must be a non-empty batch of images, shape (n, 784) or "
            f"(n, 28, 28), got shape {x.shape}."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    low, high = float(x.min()), float(x.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"{name} must lie in [0, 1], found values in [{low:.3g}, {high:.3g}]: "
            f"scale pixels to [0, 1] or clip them with np.clip(x, 0, 1)."
        )
    return x


def _check_labels(x: np.ndarray, y: np.ndarray | None) -> None:
    if y is not None and len(y) != len(x):
        raise ValueError(
            f"x and y must have the same length, got {len(x)} images and {len(y)} labels."
        )


def train_val_split(
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, ...]:
    """Shuffle and split into training and validation parts, reproducibly.

    Args:
        x: array of shape (n, ...).
        y: optional labels of shape (n,).
        val_fraction: share of samples for validation, strictly between 0 and 1.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, x_val)`` or, with labels, ``(x_train, x_val, y_train, y_val)``.

    Raises:
        ValueError: a fraction outside (0, 1), a split that leaves a part
            empty, or labels whose length differs from ``x``.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}.")
    x = np.asarray(x)
    _check_labels(x, y)
    n_val = int(round(len(x) * val_fraction))
    if n_val == 0 or n_val == len(x):
        raise ValueError(
            f"val_fraction={val_fraction} of {len(x)} samples leaves an empty part: "
            f"use more samples or another fraction."
        )
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:n_val], order[n_val:]
    if y is None:
        return x[train], x[val]
    y = np.asarray(y)
    return x[train], x[val], y[train], y[val]


def subset(
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    n: int,
    seed: int = 0,
    balanced: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` samples without replacement, reproducibly.

    Args:
        x: array of shape (N, ...).
        y: optional labels of shape (N,); required when ``balanced``.
        n: number of samples to keep, 1 <= n <= N.
        seed: seed of the draw.
        balanced: draw ``n / k`` samples of each of the k classes in ``y``
            (used for "100 labels, 10 per class").

    Returns:
        ``x_sub`` of shape (n, ...), or ``(x_sub, y_sub)`` when ``y`` is given.

    Raises:
        ValueError: ``n`` out of range, labels of the wrong length, or a
            balanced draw that ``n`` and the class counts do not allow.
    """
    x = np.asarray(x)
    _check_labels(x, y)
    if not 1 <= n <= len(x):
        raise ValueError(f"n must be between 1 and {len(x)} (the number of samples), got {n}.")
    rng = np.random.default_rng(seed)
    if balanced:
        if y is None:
            raise ValueError("balanced=True needs the labels y.")
        classes = np.unique(y)
        if n % len(classes):
            raise ValueError(
                f"balanced=True needs n divisible by the {len(classes)} classes, got n={n}."
            )
        per_class = n // len(classes)
        picks = []
        for c in classes:
            members = np.flatnonzero(y == c)
            if len(members) < per_class:
                raise ValueError(
                    f"class {c} has {len(members)} samples, fewer than the {per_class} asked for."
                )
            picks.append(rng.choice(members, per_class, replace=False))
        idx = rng.permutation(np.concatenate(picks))
    else:
        idx = rng.choice(len(x), n, replace=False)
    return x[idx] if y is None else (x[idx], np.asarray(y)[idx])


def add_gaussian_noise(x: np.ndarray, noise_factor: float, *, seed: int = 0) -> np.ndarray:
    """Corrupt images with Gaussian noise, ``clip(x + noise_factor * N(0, 1), 0, 1)``.

    Introduced in ``03_denoising_autoencoder.ipynb``.

    Args:
        x: images in [0, 1], any shape (n, ...).
        noise_factor: standard deviation of the noise, >= 0.
        seed: seed of the noise, so a noisy test set is the same on every run.

    Returns:
        float32 array of the same shape as ``x``, values in [0, 1].

    Raises:
        ValueError: a negative or non-finite noise factor, or ``x`` not images in [0, 1].
    """
    if not np.isfinite(noise_factor) or noise_factor < 0:
        raise ValueError(
            f"noise_factor must be a finite number >= 0 (the noise's standard deviation), "
            f"got {noise_factor}."
        )
    x = check_images(x)
    noise = np.random.default_rng(seed).standard_normal(x.shape, dtype=np.float32)
    return np.clip(x + noise_factor * noise, 0.0, 1.0).astype("float32")

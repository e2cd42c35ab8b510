"""Loading MNIST-style data offline, splitting it, and corrupting it with noise.

Introduced in ``00_introduction.ipynb``; every later notebook loads its data
through :func:`load_dataset`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from utils import checks

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
            f"keras.datasets could not download "
            f"{name!r} ({type(exc).__name__}: {exc}). Restore the course's copy with "
            f"`git checkout -- data/{filename}` or run once with a network connection."
        ) from exc


def data_folder(data_dir: str | Path | None = None) -> Path:
    """The folder the course's data files are read from: ``data_dir``, or the course's data/ folder if None.

    Raises:
        TypeError: ``data_dir`` that is not a string or a ``pathlib.Path``.
        FileNotFoundError: ``data_dir`` is not an existing folder.
    """
    if data_dir is None:
        return DATA_DIR
    checks.instance("data_dir", data_dir, (str, Path), fix="Pass the folder as a string or a pathlib.Path.")
    if not Path(data_dir).is_dir():
        raise FileNotFoundError(
            f"data_dir must be an existing folder, got {str(data_dir)!r}, which is not one. "
            f"Check the path, or leave data_dir out to use the course's data/ folder."
        )
    return Path(data_dir)


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
        TypeError: a name that is not a string, a non-bool ``flatten``, or a
            ``data_dir`` that is not a path.
        ValueError: unknown name, or a file whose checksum or contents are wrong.
        FileNotFoundError: ``data_dir`` is not a folder, or the file is
            missing and cannot be downloaded.
    """
    name = checks.one_of("name", name, tuple(DATASETS))
    flatten = checks.boolean("flatten", flatten)
    filename, expected = DATASETS[name]
    path = data_folder(data_dir) / filename
    if path.is_file():
        actual = _sha256(path)
        if actual != expected:
            raise ValueError(
                f"{path} is corrupt or truncated: SHA-256 {actual[:16]}... does not "
                f"match the expected {expected[:16]}.... Replace it with a good copy; the "
                f"course's own is restored by `git checkout -- data/{filename}`."
            )
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in _KEYS if k not in archive.files]
            if missing:
                raise ValueError(f"{path} lacks the arrays {missing}.")
            (x_train, y_train), (x_test, y_test) = (
                (archive["x_train"], archive["y_train"]),
                (archive["x_test"], archive["y_test"]),
            )
    else:
        try:
            (x_train, y_train), (x_test, y_test) = _download(name)
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{path} is missing and {exc}") from exc.__cause__

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
        ``x`` unchanged when it is a NumPy array (else ``np.asarray(x)``), so
        the call can be chained.

    Raises:
        TypeError: None, a string, a dict, or non-numeric values.
        ValueError: not a floating-point array, fewer than 2 axes, an empty
            batch, NaN/inf, or values outside [0, 1].
    """
    return checks.images(name, x)


def _check_labels(x: np.ndarray, y: np.ndarray | None) -> np.ndarray | None:
    if y is None:
        return None
    y = checks.samples("y", y)
    if len(y) != len(x):
        raise ValueError(
            f"x and y must have the same length, got {len(x)} images and {len(y)} labels. "
            f"Pass one label per sample."
        )
    return y


def _class_ids(y: np.ndarray) -> np.ndarray:
    """Class ids of shape (N,) from labels of shape (N,) or (N, 1), or one-hot rows (N, k)."""
    if y.ndim == 2 and y.shape[1] == 1:
        return y[:, 0]
    if y.ndim == 1:
        return y
    if y.ndim == 2 and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        return y.argmax(axis=1)
    raise ValueError(
        f"y must be class ids of shape (N,) or one-hot rows of shape (N, k) for balanced=True, "
        f"got shape {y.shape}" + (" whose rows are not one-hot" if y.ndim == 2 else "")
        + ". Convert it to class ids, e.g. y.argmax(axis=1)."
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
        TypeError: a fraction that is not a number, or ``x``/``y`` that are not arrays.
        ValueError: a fraction outside (0, 1), a split that leaves a part
            empty, or labels whose length differs from ``x``.
    """
    val_fraction = checks.finite_number("val_fraction", val_fraction, above=0, below=1)
    x = checks.samples("x", x)
    y = _check_labels(x, y)
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
        y: optional labels of length N: class ids (N,) or, for ``balanced``,
            also one-hot rows (N, k); required when ``balanced``.
        n: number of samples to keep, 1 <= n <= N.
        seed: seed of the draw.
        balanced: draw ``n / k`` samples of each of the k classes in ``y``
            (used for "100 labels, 10 per class").

    Returns:
        ``x_sub`` of shape (n, ...), or ``(x_sub, y_sub)`` when ``y`` is given
        (``y_sub`` in the format of ``y``).

    Raises:
        TypeError: ``n`` not a number, ``balanced`` not a bool, or ``x``/``y``
            not arrays.
        ValueError: ``n`` out of range or not whole, labels of the wrong
            length or format, or a balanced draw that ``n`` and the class
            counts do not allow.
    """
    x = checks.samples("x", x)
    y = _check_labels(x, y)
    n = checks.positive_int("n", n, maximum=len(x), fix=f"n counts samples: 1 to {len(x)}, the number of samples.")
    balanced = checks.boolean("balanced", balanced)
    rng = np.random.default_rng(seed)
    if balanced:
        if y is None:
            raise ValueError("balanced=True needs the labels y: call subset(x, y, n=..., balanced=True).")
        ids = _class_ids(y)
        classes = np.unique(ids)
        if n % len(classes):
            raise ValueError(
                f"balanced=True needs n divisible by the {len(classes)} classes, got n={n}."
            )
        per_class = n // len(classes)
        picks = []
        for c in classes:
            members = np.flatnonzero(ids == c)
            if len(members) < per_class:
                raise ValueError(
                    f"class {c} has {len(members)} samples, fewer than the {per_class} asked for."
                )
            picks.append(rng.choice(members, per_class, replace=False))
        idx = rng.permutation(np.concatenate(picks))
    else:
        idx = rng.choice(len(x), n, replace=False)
    return x[idx] if y is None else (x[idx], y[idx])


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
        TypeError: a noise factor that is not a number, or ``x`` that is not an array.
        ValueError: a negative or non-finite noise factor, or ``x`` not images in [0, 1].
    """
    noise_factor = checks.finite_number(
        "noise_factor", noise_factor, minimum=0, fix="It is the noise's standard deviation, e.g. 0.5."
    )
    x = check_images(x)
    noise = np.random.default_rng(seed).standard_normal(x.shape, dtype=np.float32)
    return np.clip(x + noise_factor * noise, 0.0, 1.0).astype("float32")

"""The digit judge: a small, trusted MNIST classifier that says whether a generated image is a digit, and which.

Generative lessons (the VAEs, the conditional VAE) need a number, not an
adjective, for "the samples look like digits". The judge is a convolutional
classifier trained once by ``tools/train_digit_judge.py`` on the course's
MNIST training images (about 99.2% accuracy on the test set), committed as
``data/digit_judge.keras`` and checked against its SHA-256 before use, like
the datasets in :mod:`utils.data`. Introduced in the convolutional and
conditional VAE notebook::

    from utils.judge import judge_digits, judged_digit_fraction, class_histogram

    classes, confidence = judge_digits(samples)        # (n,), (n,)
    judged_digit_fraction(confidence, threshold=0.9)   # share judged a digit
    class_histogram(classes)                           # (10,) counts per digit

A sample "is judged a digit" when the judge's top class probability is at
least the threshold (0.9 by default). The judge was trained on real digits
only, so a blurred blob or a hybrid of two digits gets a low top probability;
that is what the threshold measures. It is not a perfect oracle: read its
numbers as "what a good classifier thinks", and look at the images too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from utils import checks
from utils.data import _sha256, data_folder  # one folder check and one SHA-256 reader for data files and the judge

__all__ = [
    "JUDGE_FILE",
    "JUDGE_SHA256",
    "class_histogram",
    "judge_digits",
    "judged_digit_fraction",
    "load_digit_judge",
]

#: The judge's file in ``data/`` and its SHA-256 (printed by ``tools/train_digit_judge.py``).
JUDGE_FILE = "digit_judge.keras"
JUDGE_SHA256 = "84806a0a07b71dac7700027a964c7065005a3981e230e02bf1dac01e7e841734"

_REGENERATE = (
    f"Restore the course's copy with `git checkout -- data/{JUDGE_FILE}`, or retrain it with "
    f"`python tools/train_digit_judge.py` and paste the SHA-256 it prints into JUDGE_SHA256 in utils/judge.py."
)

_cache: dict[Path, Any] = {}  # path -> loaded judge, so that every call does not reload the file


def load_digit_judge(data_dir: str | Path | None = None) -> Any:
    """Load the digit judge after checking the file's SHA-256.

    Args:
        data_dir: folder holding ``digit_judge.keras`` (default: the course's ``data/``).

    Returns:
        A ``keras.Model`` mapping images of shape (batch, 28, 28, 1) with
        values in [0, 1] to class probabilities of shape (batch, 10). Use
        :func:`judge_digits` rather than calling it directly: it accepts the
        other image shapes and checks the values.

    Raises:
        TypeError: ``data_dir`` that is not a path.
        FileNotFoundError: ``data_dir`` is not a folder, or the file is missing.
        ValueError: the file's SHA-256 differs from ``JUDGE_SHA256`` (a
            corrupt, truncated or retrained file).
    """
    path = data_folder(data_dir) / JUDGE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"The digit judge {path} is missing. {_REGENERATE}")
    actual = _sha256(path)
    if actual != JUDGE_SHA256:
        raise ValueError(
            f"{path} is not the course's digit judge: its SHA-256 {actual[:16]}... does not match the "
            f"expected {JUDGE_SHA256[:16]}... (a corrupt, truncated or retrained file). {_REGENERATE}"
        )
    key = path.resolve()
    if key not in _cache:
        import keras  # imported here so that the module stays light until a judge is needed

        _cache[key] = keras.saving.load_model(path, compile=False)
    return _cache[key]


def _digit_images(images: Any) -> np.ndarray:
    """Images in [0, 1] of shape (n, 784), (n, 28, 28) or (n, 28, 28, 1) -> float32 (n, 28, 28, 1)."""
    x = checks.images("images", images)
    if x.shape[1:] not in ((784,), (28, 28), (28, 28, 1)):
        raise ValueError(
            f"images must be MNIST-sized digits, shape (n, 784), (n, 28, 28) or (n, 28, 28, 1), "
            f"got shape {x.shape}. The judge reads 28x28 grey images only."
        )
    return np.asarray(x, dtype="float32").reshape(len(x), 28, 28, 1)


def judge_digits(images: Any, judge: Any = None, *, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Classify images with the digit judge.

    Args:
        images: (n, 784), (n, 28, 28) or (n, 28, 28, 1), floats in [0, 1],
            e.g. a decoder's pixel probabilities.
        judge: a loaded judge (from :func:`load_digit_judge`), or None to
            load the course's one (checked, and loaded once per session).
        batch_size: images per ``predict`` batch, a whole number >= 1.

    Returns:
        ``(classes, confidence)``: int64 (n,) with the most probable digit of
        each image, and float64 (n,) with its probability, in [0, 1].

    Raises:
        TypeError: images that are not a numeric array, a ``judge`` without
            ``predict``, or a ``batch_size`` that is not a number.
        ValueError: images outside [0, 1], not floats, or of another shape;
            a ``batch_size`` < 1; a judge whose output is not (n, 10).
        FileNotFoundError: see :func:`load_digit_judge`.
    """
    x = _digit_images(images)
    batch_size = checks.positive_int("batch_size", batch_size)
    judge = load_digit_judge() if judge is None else checks.predictor("judge", judge)
    probabilities = np.asarray(judge.predict(x, batch_size=batch_size, verbose=0), dtype="float64")
    if probabilities.shape != (len(x), 10):
        raise ValueError(
            f"judge must return (n, 10) class probabilities, got shape {probabilities.shape}. "
            f"Pass the model from load_digit_judge(), or leave judge out."
        )
    return probabilities.argmax(axis=1), probabilities.max(axis=1)


def judged_digit_fraction(confidence: Any, threshold: float = 0.9) -> float:
    """Share of images the judge recognises as a digit: top probability >= ``threshold``.

    Args:
        confidence: (n,) top class probabilities from :func:`judge_digits`, in [0, 1].
        threshold: the least top probability that counts, in (0, 1].

    Returns:
        A float in [0, 1].

    Raises:
        TypeError: non-numeric input.
        ValueError: not a non-empty 1-D array of finite values in [0, 1], or
            a threshold outside (0, 1].
    """
    confidence = checks.finite_array("confidence", confidence, shape=(None,),
                                     fix="Pass the second array that judge_digits returns.")
    if confidence.min() < 0 or confidence.max() > 1:
        raise ValueError(
            f"confidence must hold probabilities in [0, 1], got values in "
            f"[{confidence.min():.3g}, {confidence.max():.3g}]. Pass the second array that judge_digits returns."
        )
    threshold = checks.finite_number("threshold", threshold, above=0, maximum=1, fix="e.g. threshold=0.9.")
    return float(np.mean(confidence >= threshold))


def class_histogram(classes: Any) -> np.ndarray:
    """How many images the judge assigned to each digit: (n,) class ids -> int64 (10,) counts.

    An empty array (n = 0, e.g. no sample passed a confidence filter) gives ten zeros.

    Raises:
        TypeError: non-numeric input.
        ValueError: not a 1-D array of whole numbers from 0 to 9.
    """
    if isinstance(classes, np.ndarray) and classes.shape == (0,) and classes.dtype.kind in "iuf":
        return np.zeros(10, dtype="int64")
    classes = checks.finite_array("classes", classes, shape=(None,),
                                  fix="Pass the first array that judge_digits returns.")
    if not np.array_equal(classes, np.round(classes)) or classes.min() < 0 or classes.max() > 9:
        raise ValueError(
            f"classes must be digits, whole numbers from 0 to 9, got values in "
            f"[{classes.min():.3g}, {classes.max():.3g}]. Pass the first array that judge_digits returns."
        )
    return np.bincount(classes.astype("int64"), minlength=10)

"""Figures shared by the notebooks. Each function returns a closed Figure.

The figure is closed before it is returned, so a notebook cell that ends with
the call shows it exactly once, and ``fig = plot_...(...)`` shows nothing until
``fig`` is displayed or saved. Introduced in ``00_introduction.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy.stats import norm

from utils import checks

_CELL = 1.0  # inches per image in a grid


def _finish(fig: Figure) -> Figure:
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_images(
    images: np.ndarray,
    *,
    n_cols: int = 10,
    titles: Sequence[str] | None = None,
    suptitle: str | None = None,
) -> Figure:
    """Show images in a grid, ``n_cols`` per row, grey scale from 0 to 1.

    Args:
        images: (n, 784), (n, 28, 28) or (n, 28, 28, 1), values in [0, 1].
        n_cols: images per row (>= 1).
        titles: optional list of n short titles (any values, shown as text).
        suptitle: optional title of the whole figure.

    Raises:
        TypeError: images that are not an array, ``n_cols`` not a number,
            ``titles`` not a list (a bare string, say).
        ValueError: images that :func:`utils.check_images` refuses or that
            are not grey, ``n_cols`` < 1 or not whole, or not one title per image.
    """
    x = checks.grey_images("images", images)
    n_cols = checks.positive_int("n_cols", n_cols)
    if titles is not None:
        titles = checks.sequence("titles", titles, length=len(x), fix="Pass one title per image.")
    n_cols = min(n_cols, len(x))
    n_rows = int(np.ceil(len(x) / n_cols))
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(n_cols * _CELL, n_rows * _CELL + 0.3), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(x):
            ax.imshow(x[i], cmap="gray", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    return _finish(fig)


def plot_reconstructions(
    originals: np.ndarray,
    reconstructions: np.ndarray,
    *,
    extra_rows: Mapping[str, np.ndarray] | None = None,
    n: int = 10,
    labels: tuple[str, str] = ("original", "reconstruction"),
) -> Figure:
    """Originals above their reconstructions, one column per image.

    Rows from top to bottom: ``originals``, each of ``extra_rows`` in order,
    ``reconstructions``.

    Args:
        originals: (n_images, 784) or (n_images, 28, 28), values in [0, 1].
        reconstructions: images of the same size; only the first ``n`` of
            every row are drawn, so rows may hold different numbers of images.
        extra_rows: optional rows between the two, e.g.
            ``{"noisy input": x_noisy}``; images of the same size.
        n: how many columns (at most the length of the shortest row).
        labels: row labels of the originals and the reconstructions.

    Raises:
        TypeError: ``extra_rows`` not a dict, ``labels`` not a pair of
            strings, ``n`` not a number, or images that are not arrays.
        ValueError: images that :func:`utils.check_images` refuses, rows of
            different image shapes, two rows with the same label, or ``n`` < 1.
    """
    labels = checks.sequence("labels", labels, length=2, of=str, fix="e.g. labels=('clean', 'denoised').")
    extra_rows = checks.mapping(
        "extra_rows", {} if extra_rows is None else extra_rows, fix="e.g. extra_rows={'noisy input': x_noisy}."
    )
    titles = [labels[0], *extra_rows, labels[1]]
    for title in titles:
        if titles.count(title) > 1:
            raise ValueError(
                f"row labels must differ, got {title!r} {titles.count(title)} times among {titles}: "
                f"a row would be lost. Rename the row in extra_rows or pass other labels=(...)."
            )
    n = checks.positive_int("n", n)
    rows = {labels[0]: checks.grey_images("originals", originals)}
    for title, arr in extra_rows.items():
        rows[title] = checks.grey_images(f"extra_rows[{title!r}]", arr)
    rows[labels[1]] = checks.grey_images("reconstructions", reconstructions)
    shapes = {v.shape[1:] for v in rows.values()}
    if len(shapes) != 1:
        raise ValueError(f"all rows must hold images of the same shape, got {sorted(shapes)}.")
    n = min(n, *(len(v) for v in rows.values()))
    fig, axes = plt.subplots(
        len(rows), n, figsize=(n * _CELL, len(rows) * _CELL + 0.2), squeeze=False
    )
    for r, (title, arr) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(arr[c], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])  # not axis("off"), which would hide the row label too
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[r, 0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
    return _finish(fig)


def plot_history(
    history: Any,
    *,
    metrics: Sequence[str] = ("loss",),
    title: str | None = None,
    log_y: bool = False,
) -> Figure:
    """Training and validation curves from a Keras ``History`` (or its ``.history`` dict).

    Args:
        history: the object returned by ``model.fit``, or a dict such as
            ``{"loss": [...], "val_loss": [...]}``.
        metrics: names to plot, one panel each; ``val_<name>`` is added when present.
        title: optional title of the figure.
        log_y: logarithmic y axis.

    Raises:
        TypeError: ``metrics`` not a list of names (a bare string, say), or
            logged values that are not numbers.
        ValueError: a history that is not a ``History`` or dict, a metric that
            the history does not contain, one with no finite value (an empty
            list, a diverged run), or a validation curve of another length.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise ValueError(
            f"history must be a keras History or a dict of lists, got {checks.describe(history)}. "
            f"Pass what model.fit returned."
        )
    metrics = checks.sequence("metrics", metrics, of=str, min_length=1, fix="e.g. metrics=('loss', 'kl').")
    log_y = checks.boolean("log_y", log_y)
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"history has no {missing}; it holds {sorted(logs)}.")
    curves = {}  # a curve may hold NaN after a divergence, but not only NaN: the panel would be empty
    for name in [*metrics, *(f"val_{m}" for m in metrics if f"val_{m}" in logs)]:
        curves[name] = checks.finite_array(f"history[{name!r}]", logs[name], shape=(None,), all_finite=False)
        train = curves.get(name[4:]) if name.startswith("val_") else None
        if train is not None and len(curves[name]) != len(train):
            raise ValueError(
                f"history[{name!r}] must hold one value per epoch like history[{name[4:]!r}] "
                f"({len(train)}), got {len(curves[name])}."
            )
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, name in zip(axes.flat, metrics):
        epochs = np.arange(1, len(curves[name]) + 1)
        ax.plot(epochs, curves[name], label="train")
        if f"val_{name}" in curves:
            ax.plot(epochs, curves[f"val_{name}"], label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        if log_y:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _finish(fig)


def plot_latent_2d(
    codes: np.ndarray,
    labels: np.ndarray,
    *,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
) -> Figure:
    """Scatter of 2-D codes coloured by class label.

    Args:
        codes: (n, 2) array, e.g. a 2-D latent space or a t-SNE embedding.
        labels: (n,) integer labels.
        title: optional axes title.
        class_names: optional names for the colour bar ticks, one per class
            id from 0 to the largest label.

    Raises:
        TypeError: codes or labels that are not numeric arrays, or
            ``class_names`` that is not a list (a bare string, say).
        ValueError: codes not of shape (n, 2), empty, or with NaN/inf; labels
            of another length, with NaN or fractions; too few ``class_names``.
    """
    codes = checks.finite_array("codes", codes, shape=(None, 2), fix="Pass one 2-D code per row.")
    labels = checks.finite_array("labels", labels, fix="Pass one integer class id per code.")
    if labels.shape != (len(codes),):
        raise ValueError(f"labels must have shape ({len(codes)},), one per code, got {labels.shape}.")
    if not np.array_equal(labels, np.round(labels)):
        raise ValueError("labels must be integer class ids, got fractions. Pass y, not probabilities.")
    if class_names is not None:
        class_names = checks.sequence("class_names", class_names, fix="e.g. class_names=['T-shirt', 'trouser', ...].")
        if labels.min() < 0 or labels.max() >= len(class_names):
            raise ValueError(
                f"class_names must hold a name for every class id in labels, from 0 to "
                f"{int(labels.max())}, got {len(class_names)} name(s) for ids "
                f"{int(labels.min())}..{int(labels.max())}. Add the missing names."
            )
    fig, ax = plt.subplots(figsize=(6, 5))
    classes = np.unique(labels)
    points = ax.scatter(
        codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7,
        vmin=-0.5, vmax=9.5 if len(classes) <= 10 else None,
    )
    bar = fig.colorbar(points, ax=ax, ticks=classes)
    if class_names is not None:
        bar.ax.set_yticklabels([str(class_names[int(c)]) for c in classes])
    ax.set_xlabel("dimension 1")
    ax.set_ylabel("dimension 2")
    if title:
        ax.set_title(title)
    return _finish(fig)


def latent_grid(
    n: int = 15,
    *,
    extent: float | None = None,
    ranges: Sequence[Sequence[float]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A regular n x n grid of 2-D codes, the one that ``plot_latent_manifold`` decodes.

    With neither ``extent`` nor ``ranges`` the grid runs over Normal quantiles
    (5% to 95%) in both dimensions, the natural grid for a VAE whose prior is
    N(0, I); with ``extent``, over [-extent, extent]; with
    ``ranges=((lo0, hi0), (lo1, hi1))``, from lo to hi in each dimension (for
    codes that are not centred, e.g. percentiles of a plain autoencoder's codes).

    Args:
        n: grid points per axis (>= 2).
        extent: half-width of a symmetric uniform grid.
        ranges: (low, high) for z[0] and for z[1], low < high.

    Returns:
        ``(codes, z0, z1)``: codes of shape (n*n, 2), float32, row by row from
        the top row (largest z[1]) and, within a row, from the smallest z[0];
        z0 and z1 of shape (n,): the values drawn along each axis, ascending.

    Raises:
        TypeError: arguments of the wrong type.
        ValueError: ``n`` < 2, ``extent`` not finite and > 0, both ``extent``
            and ``ranges`` given, or a range that is not two finite numbers
            with low < high.
    """
    n = checks.positive_int("n", n, minimum=2)
    if extent is not None and ranges is not None:
        raise ValueError("pass extent or ranges, not both: extent is a symmetric range for both axes")
    if ranges is not None:
        pairs = checks.sequence("ranges", ranges, length=2)
        axes = []
        for i, pair in enumerate(pairs):
            low, high = (checks.finite_number(f"ranges[{i}][{j}]", v)
                         for j, v in enumerate(checks.sequence(f"ranges[{i}]", pair, length=2)))
            if not low < high:
                raise ValueError(f"ranges[{i}] must be (low, high) with low < high, got {(low, high)}")
            axes.append(np.linspace(low, high, n))
        z0, z1 = axes
    elif extent is not None:
        extent = checks.finite_number("extent", extent, above=0, fix="Or pass extent=None for Normal quantiles.")
        z0 = z1 = np.linspace(-extent, extent, n)
    else:
        z0 = z1 = norm.ppf(np.linspace(0.05, 0.95, n))
    zx, zy = np.meshgrid(z0, z1[::-1])
    codes = np.stack([zx.ravel(), zy.ravel()], axis=1).astype("float32")
    return codes, np.asarray(z0, dtype="float64"), np.asarray(z1, dtype="float64")


def plot_latent_manifold(
    decoder: Any,
    *,
    n: int = 15,
    extent: float | None = None,
    ranges: Sequence[Sequence[float]] | None = None,
    image_shape: tuple[int, int] = (28, 28),
) -> Figure:
    """Decode the regular grid of :func:`latent_grid` over a 2-D latent space into one large image.

    The tick labels give the z values actually decoded (every few grid points),
    so a quantile grid is labelled with its quantiles, not with a linear scale.
    All n*n codes are decoded in one batched ``predict`` call.

    Args:
        decoder: a model mapping (m, 2) codes to (m, 784) or (m, 28, 28[, 1])
            images in [0, 1] (anything with a Keras-style ``predict``).
        n, extent, ranges: the grid, as in :func:`latent_grid` (Normal
            quantiles from 5% to 95% by default).
        image_shape: shape (height, width) of one decoded image.

    Raises:
        TypeError: a decoder without ``predict`` (None, say), or arguments
            of the wrong type.
        ValueError: a bad grid (see :func:`latent_grid`), a bad
            ``image_shape``, a decoder that does not take 2-D codes, or
            decoded images that are not ``image_shape`` images in [0, 1].
    """
    decoder = checks.predictor("decoder", decoder)
    grid, z0, z1 = latent_grid(n, extent=extent, ranges=ranges)
    n = len(z0)
    h, w = (checks.positive_int(f"image_shape[{i}]", side)
            for i, side in enumerate(checks.sequence("image_shape", image_shape, length=2)))
    try:
        decoded = decoder.predict(grid, batch_size=len(grid), verbose=0)
    except Exception as exc:  # e.g. a decoder built for another latent size
        raise ValueError(
            f"decoder must map 2-D codes to images, but decoder.predict failed on a grid of "
            f"shape {grid.shape}: {type(exc).__name__}: {exc}"
        ) from exc
    images = checks.images("the decoder's output", decoded)
    if images.size != n * n * h * w:
        raise ValueError(
            f"the decoder's output must be {n * n} images of image_shape {(h, w)}, got shape "
            f"{images.shape}. Pass the decoder's image_shape=(height, width)."
        )
    images = images.reshape(n, n, h, w)
    canvas = images.transpose(0, 2, 1, 3).reshape(n * h, n * w)
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1)
    every = max(1, round(n / 5))  # about five labelled ticks per axis
    shown = np.arange(0, n, every)
    def tick(value: float) -> str:
        return f"{round(float(value), 4) + 0.0:.2g}"  # + 0.0 turns -0.0 into 0.0

    ax.set_xticks((shown + 0.5) * w - 0.5, [tick(z0[i]) for i in shown])
    ax.set_yticks((shown + 0.5) * h - 0.5, [tick(z1[::-1][i]) for i in shown])
    ax.set_xlabel("z[0] (value decoded at the tick)")
    ax.set_ylabel("z[1] (value decoded at the tick)")
    return _finish(fig)


def plot_code_histogram(
    codes: Mapping[str, np.ndarray],
    *,
    bins: int = 50,
    log_y: bool = True,
    title: str | None = None,
) -> Figure:
    """Overlaid histograms of code values, one per model, with their means.

    Args:
        codes: e.g. ``{"plain": codes_plain, "L1": codes_l1}``; each array of
            shape (n, code_size); all values are pooled.
        bins: histogram bins shared by all entries.
        log_y: logarithmic counts (sparse codes pile up at zero).
        title: optional axes title.

    Raises:
        TypeError: ``codes`` not a dict (a bare array, say), arrays that are
            not numeric, ``bins`` not a number or ``log_y`` not a bool.
        ValueError: no entries, an empty array, NaN/inf codes, or ``bins`` < 1.
    """
    codes = checks.mapping("codes", codes, fix="Name each array: plot_code_histogram({'codes': codes}).")
    if not codes:
        raise ValueError("codes must hold at least one named array, got an empty dict.")
    bins = checks.positive_int("bins", bins)
    log_y = checks.boolean("log_y", log_y)
    arrays = {k: checks.finite_array(f"codes[{k!r}]", v).astype("float64").ravel() for k, v in codes.items()}
    high = max(float(a.max()) for a in arrays.values())
    low = min(float(a.min()) for a in arrays.values())
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    for name, a in arrays.items():
        ax.hist(a, bins=edges, alpha=0.55, label=f"{name} (mean {a.mean():.3f})")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("code value")
    ax.set_ylabel("count")
    ax.legend()
    if title:
        ax.set_title(title)
    return _finish(fig)

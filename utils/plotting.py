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

from utils.data import check_images

_CELL = 1.0  # inches per image in a grid


def _as_square_images(x: np.ndarray, name: str = "images") -> np.ndarray:
    """(n, 784) / (n, 28, 28) / (n, 28, 28, 1) -> (n, 28, 28) (any square side)."""
    x = check_images(x, name)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 2:
        side = int(round(np.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise ValueError(
                f"{name}: {x.shape[1]} values per image is not a square image; "
                f"pass shape (n, side, side) or (n, side*side)."
            )
        x = x.reshape(len(x), side, side)
    if x.ndim != 3:
        raise ValueError(
            f"{name} must have shape (n, h, w), (n, h, w, 1) or (n, h*w), got {x.shape}."
        )
    return x


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
        titles: optional list of n short titles.
        suptitle: optional title of the whole figure.
    """
    x = _as_square_images(images)
    if n_cols < 1:
        raise ValueError(f"n_cols must be >= 1, got {n_cols}.")
    if titles is not None and len(titles) != len(x):
        raise ValueError(f"got {len(titles)} titles for {len(x)} images.")
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
    """
    rows = {labels[0]: _as_square_images(originals, "originals")}
    for title, arr in (extra_rows or {}).items():
        rows[title] = _as_square_images(arr, title)
    rows[labels[1]] = _as_square_images(reconstructions, "reconstructions")
    shapes = {v.shape[1:] for v in rows.values()}
    if len(shapes) != 1:
        raise ValueError(f"all rows must hold images of the same shape, got {sorted(shapes)}.")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}.")
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
        ValueError: a metric that the history does not contain.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise ValueError("history must be a keras History or a dict of lists.")
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"history has no {missing}; it holds {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, name in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label="train")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], label="validation")
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
        class_names: optional names for the colour bar ticks.
    """
    codes = np.asarray(codes)
    labels = np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes must have shape (n, 2), got {codes.shape}.")
    if labels.shape != (len(codes),):
        raise ValueError(f"labels must have shape ({len(codes)},), got {labels.shape}.")
    fig, ax = plt.subplots(figsize=(6, 5))
    classes = np.unique(labels)
    points = ax.scatter(
        codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7,
        vmin=-0.5, vmax=9.5 if len(classes) <= 10 else None,
    )
    bar = fig.colorbar(points, ax=ax, ticks=classes)
    if class_names is not None:
        bar.ax.set_yticklabels([class_names[int(c)] for c in classes])
    ax.set_xlabel("dimension 1")
    ax.set_ylabel("dimension 2")
    if title:
        ax.set_title(title)
    return _finish(fig)


def plot_latent_manifold(
    decoder: Any,
    *,
    n: int = 15,
    extent: float | None = None,
    image_shape: tuple[int, int] = (28, 28),
) -> Figure:
    """Decode a regular grid over a 2-D latent space into one large image.

    With ``extent=None`` the grid runs over Normal quantiles (5% to 95%), the
    natural grid for a VAE whose prior is N(0, I); otherwise over
    [-extent, extent] in both dimensions. All n*n codes are decoded in one
    batched ``predict`` call.

    Args:
        decoder: a model mapping (m, 2) codes to (m, 784) or (m, 28, 28[, 1]) images.
        n: grid points per axis (>= 2).
        extent: half-width of a uniform grid, or None for Normal quantiles.
        image_shape: shape of one decoded image.
    """
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}.")
    if extent is None:
        axis = norm.ppf(np.linspace(0.05, 0.95, n))
    elif extent > 0:
        axis = np.linspace(-extent, extent, n)
    else:
        raise ValueError(f"extent must be > 0 or None, got {extent}.")
    zx, zy = np.meshgrid(axis, axis[::-1])
    grid = np.stack([zx.ravel(), zy.ravel()], axis=1).astype("float32")
    images = np.asarray(decoder.predict(grid, batch_size=len(grid), verbose=0))
    h, w = image_shape
    images = images.reshape(n, n, h, w)
    canvas = images.transpose(0, 2, 1, 3).reshape(n * h, n * w)
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1,
              extent=(axis[0], axis[-1], axis[0], axis[-1]))
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
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
    """
    if not codes:
        raise ValueError("codes must hold at least one named array.")
    arrays = {k: np.asarray(v, dtype="float64").ravel() for k, v in codes.items()}
    if any(a.size == 0 for a in arrays.values()):
        raise ValueError("every code array must be non-empty.")
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

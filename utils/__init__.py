"""Small, tested helpers shared by the notebooks of *Autoencoders with Keras*.

Repeated plumbing lives here (data loading, noise, plots, metrics, the
optimizer); the models and training calls stay in the notebooks. The custom
Keras objects that a lesson teaches are defined in that lesson's notebook, in
cells marked ``#| export utils.<module>``, and ``tools/export_lessons.py``
writes them to ``utils.layers`` (the tied layer, the sparsity and contractive
penalties: notebooks 01, 02 and 04), ``utils.signals`` (06), ``utils.vae``
(07) and the other lesson modules, which later notebooks and the tests import.

Install with ``pip install -e .`` from the repository (Colab: ``pip install
git+<repository URL>``). Import ``utils`` before Keras, as every notebook's
setup cell does: importing it first hides TensorFlow's C++ start-up logs and
its Python warnings (errors still show), see :func:`utils.config.quiet_logs`.
"""

from utils.config import QUICK_ENV_VAR, quick_mode, quiet_logs

quiet_logs()  # before the modules below import Keras (and with it TensorFlow)

from utils.data import (
    DATASETS,
    add_gaussian_noise,
    check_images,
    load_dataset,
    subset,
    train_val_split,
)
from utils.metrics import bce_per_pixel, per_image_error, psnr, ssim
from utils.plotting import (
    latent_grid,
    plot_code_histogram,
    plot_history,
    plot_images,
    plot_latent_2d,
    plot_latent_manifold,
    plot_reconstructions,
)
from utils.training import cosine_adam

__all__ = [
    "DATASETS",
    "QUICK_ENV_VAR",
    "add_gaussian_noise",
    "bce_per_pixel",
    "check_images",
    "cosine_adam",
    "latent_grid",
    "load_dataset",
    "per_image_error",
    "plot_code_histogram",
    "plot_history",
    "plot_images",
    "plot_latent_2d",
    "plot_latent_manifold",
    "plot_reconstructions",
    "psnr",
    "quick_mode",
    "quiet_logs",
    "ssim",
    "subset",
    "train_val_split",
]

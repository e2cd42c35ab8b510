"""Small, tested helpers shared by the notebooks of *Autoencoders with Keras*.

Repeated plumbing lives here (data loading, noise, plots, metrics, the
optimizer); the models and training calls stay in the notebooks. The custom
Keras objects that must save and load on every backend are in
``utils.layers`` (sparsity and contractive penalties) and ``utils.vae``.
"""

from utils.config import QUICK_ENV_VAR, quick_mode
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
    "ssim",
    "subset",
    "train_val_split",
]

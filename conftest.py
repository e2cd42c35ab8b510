"""Test-suite settings shared by the helper tests and the nbval notebook runs."""

import os

from utils.config import QUICK_ENV_VAR

# Notebook kernels started by nbval inherit this environment: quick mode.
os.environ[QUICK_ENV_VAR] = "1"
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def pytest_collection_modifyitems(items):
    """Mark the notebook cells: they, like the tests marked in tests/, depend on the backend."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker("keras_backend")

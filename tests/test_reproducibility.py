"""Same seed, same backend, same machine: the same metrics, twice.

The runner's ``--repeat`` executes a notebook twice in quick mode and fails
unless both runs print every metric of the results cell identically (to the
printed precision, 4 significant digits or better). Notebook 00 trains a
seeded autoencoder with shuffled batches, so it exercises the seeds of weight
initialisation and of the batch order on the backend the tests run on.
"""

import subprocess
import sys
from pathlib import Path

import keras
import pytest

pytestmark = pytest.mark.keras_backend

ROOT = Path(__file__).resolve().parent.parent


def test_notebook_00_prints_the_same_metrics_twice():
    backend = keras.backend.backend()
    done = subprocess.run(
        [sys.executable, "tools/run_course.py", "--quick", "--repeat", "--backend", backend, "00"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "reproducible: both runs printed the same" in done.stdout

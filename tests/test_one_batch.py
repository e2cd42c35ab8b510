"""Every lesson's checks have teeth: with training cut to one batch, a notebook must fail an assert.

Each notebook is executed in quick mode with one extra cell after its setup cell
that makes every ``keras.Model.fit`` call run a single batch (one epoch of one
step). A model trained like that has not learned its lesson, so the notebook's
checks, which compare it with a trivial baseline computed in the same run, must
stop it with an ``AssertionError``. Any other error (a crash) fails the test, and
so does a notebook that runs to the end.

It does not depend on the backend beyond what the notebooks' own nbval runs cover,
so it runs in the TensorFlow pass only (it is not marked ``keras_backend``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

ONE_BATCH = '''\
import inspect as _inspect

import keras as _keras

_course_fit = _keras.Model.fit


def _one_batch_fit(self, *args, **kwargs):
    """Model.fit, cut to one epoch of one batch whatever the notebook asks for."""
    bound = _inspect.signature(_course_fit).bind(self, *args, **kwargs)
    bound.arguments.update(epochs=1, steps_per_epoch=1, initial_epoch=0)
    return _course_fit(*bound.args, **bound.kwargs)


_keras.Model.fit = _one_batch_fit
'''


def first_code_cell(nb: nbformat.NotebookNode) -> int:
    return next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")


def one_batch_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook with the one-batch patch right after its setup cell, which imports Keras."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(first_code_cell(nb) + 1, nbformat.v4.new_code_cell(ONE_BATCH))
    return nb


def execute(nb: nbformat.NotebookNode) -> None:
    """Top to bottom, in the folder of the course's notebooks (as nbval runs them)."""
    sockets = tempfile.mkdtemp(prefix="one-batch-kernel-")  # IPC, not TCP, as tools/run_course.py does
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
    client = NotebookClient(nb, km=km, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    try:
        client.execute()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)


def test_the_patch_goes_after_the_setup_cell():
    nb = one_batch_notebook(NOTEBOOKS[0])
    setup = nb.cells[first_code_cell(nb)]
    assert "import utils" in setup.source and nb.cells[first_code_cell(nb) + 1].source == ONE_BATCH


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_trained_on_one_batch_fails_an_assert(path):
    with pytest.raises(CellExecutionError) as failure:
        execute(one_batch_notebook(path))
    assert failure.value.ename == "AssertionError", (
        f"{path.name} crashed instead of failing a check: {failure.value.ename}: {failure.value.evalue}")

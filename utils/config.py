"""Quick mode: one environment variable that makes every notebook small and fast.

``COURSE_QUICK=1`` switches the notebooks to a few epochs on a data subset.
The test suite sets it (see ``conftest.py``); a person running a notebook gets
the full lesson. Introduced in ``00_introduction.ipynb``.
"""

from __future__ import annotations

import logging
import os

QUICK_ENV_VAR = "COURSE_QUICK"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick_mode() -> bool:
    """Return True when ``COURSE_QUICK`` asks for quick mode.

    Accepts 1/true/yes/on and 0/false/no/off (any case); unset means full mode.

    Raises:
        ValueError: for any other value, so a typo never silently runs the
            full course in CI.
    """
    value = os.environ.get(QUICK_ENV_VAR, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{QUICK_ENV_VAR}={os.environ[QUICK_ENV_VAR]!r} is not understood: "
        f"set it to 1 for quick mode, or 0 (or leave it unset) for the full course."
    )


def quiet_logs() -> None:
    """Keep TensorFlow's start-up and retracing messages out of the notebooks.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` (C++ logs) and ``TF_ENABLE_ONEDNN_OPTS=0``
    (the oneDNN notice, and bit-identical reruns) unless they are already set,
    and drops records below ERROR from the ``tensorflow`` Python logger. Has an
    effect on the C++ logs only when called before TensorFlow is imported;
    ``import utils`` calls it first thing. Harmless on the JAX and PyTorch
    backends. Idempotent.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    logger = logging.getLogger("tensorflow")
    if _drop_below_error not in logger.filters:
        logger.addFilter(_drop_below_error)


def _drop_below_error(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR

"""Quick mode: one environment variable that makes every notebook small and fast.

``COURSE_QUICK=1`` switches the notebooks to a few epochs on a data subset.
The test suite sets it (see ``conftest.py``); a person running a notebook gets
the full lesson. Introduced in ``00_introduction.ipynb``.
"""

from __future__ import annotations

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

"""Secrets the service keeps under ``var/`` in development: made once, readable only by it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def load_or_create(path: Path, make: Callable[[], str]) -> str:
    """The text of ``path``, writing ``make()`` there (mode 0600) the first time.

    Creation is exclusive, so two processes starting together end up with the same secret.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
    return path.read_text()

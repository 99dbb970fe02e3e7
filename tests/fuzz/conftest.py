"""The fuzz tests' request counter, reported at the end of the run (see tests/conftest.py)."""

from __future__ import annotations

from collections import Counter

import pytest

# Requests sent by the fuzz tests, by kind ("graphql query", "rest", ...).
SENT: Counter[str] = Counter()
# Of those, the ones that came back with data and no errors, by the same kinds.
SUCCEEDED: Counter[str] = Counter()


def pytest_sessionfinish(session: pytest.Session) -> None:
    # An xdist worker hands its count to the controller, which prints the summary.
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_sent"] = dict(SENT)
        workeroutput["fuzz_succeeded"] = dict(SUCCEEDED)

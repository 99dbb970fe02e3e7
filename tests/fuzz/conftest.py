"""The fuzz tests' request counter, reported at the end of the run."""

from __future__ import annotations

from collections import Counter

import pytest

# Requests sent by the fuzz tests, by kind ("graphql query", "rest", ...).
SENT: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SENT:
        terminalreporter.write_sep("-", "fuzzing: requests sent")
        for kind, count in sorted(SENT.items()):
            terminalreporter.write_line(f"{kind}: {count}")
        terminalreporter.write_line(f"total: {sum(SENT.values())}")

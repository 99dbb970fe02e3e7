"""Fail when a function outside the demo data, the migrations and the tests is longer than
MAX_LINES lines (ruff counts branches and statements; this counts what a reader reads)."""

from __future__ import annotations

import ast
import subprocess
import sys

MAX_LINES = 60
EXEMPT = ("demo/", "migrations/", "tests/")


def long_functions() -> list[str]:
    files = subprocess.run(
        ["git", "ls-files", "*.py"], capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for path in files:
        if path.startswith(EXEMPT):
            continue
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_LINES:
                    found.append(f"{path}:{node.lineno}: {node.name} has {lines} lines")
    return found


if __name__ == "__main__":
    problems = long_functions()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} function(s) over {MAX_LINES} lines; split them into named steps.")
        sys.exit(1)

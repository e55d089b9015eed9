"""Modules over 450 lines and functions over 60 lines (issue 15's limits).

Usage: ``.venv/bin/python .ci/check_sizes.py [FOLDER ...]`` (default: evaluation flows).
Prints one line per offender, longest first; exit status 1 when there is any. A
function's length runs from its ``def`` line to its last line (decorators and nested
functions included).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE = 450
MAX_FUNCTION = 60
ROOT = Path(__file__).resolve().parents[1]


def offenders(folder: Path) -> list[tuple[int, str]]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        n = len(text.splitlines())
        if n > MAX_MODULE:
            found.append((n, f"module   {rel}: {n} lines"))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION:
                    found.append((length, f"function {rel}:{node.lineno} {node.name}: {length}"))
    return found


def main() -> int:
    folders = [ROOT / f for f in (sys.argv[1:] or ["evaluation", "flows"])]
    found = sorted((o for f in folders for o in offenders(f)), reverse=True)
    for _, line in found:
        print(line)
    print(f"{len(found)} over the limits ({MAX_MODULE} lines a module, {MAX_FUNCTION} a function)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

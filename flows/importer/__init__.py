"""``mereffekt import``: an analyst's own extracts (CSV or xlsx) into the three Parquet
inputs, checked as ``mereffekt validate`` checks them.

1. Each file is read (:mod:`.read`) and its columns mapped to the contract's
   (:mod:`.convert`); a file-level problem (missing or unknown column, unreadable file)
   stops with one line.
2. No CPR-looking value may pass: every column is checked on the text as read
   (:func:`evaluation.privacy.cpr_columns`) and the import stops naming file, column and
   rows, never the value.
3. Values that cannot be read are listed (file, row in the source, column, why; at most
   20 lines) and the import stops: nothing is guessed.
4. The converted files are validated against the contracts in a staging folder: a stop
   rule stops the import; quarantined rows are listed with their source rows. Then the
   files are moved into ``--out`` (nothing is written on any stop).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evaluation.privacy import cpr_columns
from flows import io
from flows.importer.convert import FILES, Problem, contract_columns, convert, describe
from flows.importer.read import ExtractError, RawTable, read_table

__all__ = ["ExtractError", "ImportResult", "import_files"]


@dataclass(frozen=True)
class ImportResult:
    """What was written and what the validation set aside (rows in the source files)."""

    files: dict[str, int]  # Parquet file -> rows
    read: dict[str, str]  # source file -> how it was read (encoding, separator)
    quarantined: list[str]  # one line per quarantined row (capped), with source rows
    counts: dict[str, dict[str, int]]


def import_files(
    sources: dict[str, Path],
    out: Path,
    *,
    max_quarantine_share: float = 0.05,
    say: Callable[[str], None] = print,
) -> ImportResult:
    """Import ``sources`` (``persons``, ``status_monthly``, ``participation`` -> file)
    into ``out``. Raises :class:`ExtractError` (one line) on a file-level problem, a
    CPR-like value or unreadable values (after ``say``-ing the list), and
    :class:`flows.validation.ValidationError` on a stop rule; nothing is written then."""
    frames, lines, read = {}, {}, {}
    problems: list[Problem] = []
    for name in FILES:
        raw = read_table(sources[name])
        _refuse_cpr(raw)
        frame, found = convert(raw, contract_columns(name))
        frames[name], lines[name] = frame, raw.line
        read[raw.source] = _how(raw)
        problems += found
    if problems:
        for line in describe(problems):
            say(line)
        raise ExtractError(
            f"{len(problems)} value(s) could not be read (listed above, row numbers as in "
            "the source files); nothing was written"
        )
    return _validate_and_write(frames, lines, sources, Path(out), max_quarantine_share, read)


def _how(raw: RawTable) -> str:
    if raw.encoding == "xlsx":
        return "xlsx, first sheet"
    sep = {";": "';'", ",": "','", "\t": "tab"}[raw.separator]
    return f"{raw.encoding}, separator {sep}, decimal mark '{raw.decimal}'"


def _refuse_cpr(raw: RawTable) -> None:
    text = pd.DataFrame(
        {
            str(h): pd.array(
                [None if i >= len(r) or r[i] is None else str(r[i]) for r in raw.rows],
                dtype="str",
            )
            for i, h in enumerate(raw.header)
        }
    )
    findings = cpr_columns(text)
    if findings:
        f = next(iter(findings.values()))
        rows = ", ".join(str(raw.line[r]) for r in f.rows)
        raise ExtractError(
            f"{raw.source} column {f.column!r}: {f.count} value(s) look like CPR numbers "
            f"(rows {rows}); CPR numbers must never enter mereffekt: pseudonymise the IDs "
            "before importing; nothing was written"
        )


def _validate_and_write(
    frames: dict[str, pd.DataFrame],
    lines: dict[str, tuple[int, ...]],
    sources: dict[str, Path],
    out: Path,
    share: float,
    read: dict[str, str],
) -> ImportResult:
    from flows.validation import validate_inputs

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".import-", dir=out) as tmp:
        stage = Path(tmp)
        io.write_inputs(frames, stage)
        validated = validate_inputs(stage, max_quarantine_share=share)
        quarantined = _quarantine_lines(validated.quarantine, lines, sources)
        files = {}
        for name in FILES:
            target = out / f"{name}.parquet"
            shutil.move(str(stage / f"{name}.parquet"), target)
            files[target.name] = len(frames[name])
    return ImportResult(files, read, quarantined, validated.counts)


def _quarantine_lines(
    quarantine: pd.DataFrame, lines: dict[str, tuple[int, ...]], sources: dict[str, Path]
) -> list[str]:
    """One line per quarantined row, with the row in the source file (capped)."""
    from flows.importer.convert import MAX_SHOWN
    from flows.report.rule_words import rules_in_words

    words = {(r.file, r.rule): r.text for r in rules_in_words("en", max_quarantine_share=0.05)}
    out = []
    for _, q in quarantine.head(MAX_SHOWN).iterrows():
        name = str(q["file"]).removesuffix(".parquet")
        source = Path(sources[name]).name
        line = lines[name][int(q["row"])]
        text = words.get((str(q["file"]), str(q["rule"])), str(q["rule"]))
        out.append(f"{source} row {line}, column {q['column']}: set aside: {text}")
    if len(quarantine) > MAX_SHOWN:
        out.append(f"... and {len(quarantine) - MAX_SHOWN} more")
    return out

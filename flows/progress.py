"""Console progress of a run, for a person at a terminal: each stage with a spinner and
its elapsed time while it runs, and a line with its duration when it is done.

Silent unless the CLI switches it on with :func:`on_console` (not ``--quiet``, and both
stdout and stderr are terminals), so scheduled runs, tests and CI logs see nothing. It
writes to stdout; stderr stays for the one-line error. The flow calls :func:`stage` and
:func:`note`, which do nothing when no console is attached. The input validation reports
each file through its log (logger ``flows.validation``), which is shown as a line.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar

VALIDATION_LOGGER = "flows.validation"


class _Silent:
    def start(self, label: str) -> object:
        return None

    def finish(self, handle: object, label: str, seconds: float) -> None:
        pass

    def fail(self, handle: object) -> None:
        pass

    def note(self, text: str) -> None:
        pass


class _Rich:  # rich is imported only when a console is attached
    """Spinner + elapsed time per running stage (transient); a line per finished one."""

    def __init__(self, bar) -> None:  # noqa: ANN001 - rich.progress.Progress
        self.bar = bar

    def note(self, text: str) -> None:
        self.bar.console.print(f"  {text}", highlight=False, markup=False)

    def start(self, label: str) -> object:
        return self.bar.add_task(label, total=None)

    def finish(self, handle: object, label: str, seconds: float) -> None:
        from rich.text import Text

        self.bar.remove_task(handle)
        text = Text.assemble(("✓ ", "green"), label, (f" ({_duration(seconds)})", "dim"))
        self.bar.console.print(text)

    def fail(self, handle: object) -> None:
        self.bar.remove_task(handle)  # the error line follows on stderr


_REPORTER: ContextVar[_Silent | _Rich | None] = ContextVar("mereffekt_progress", default=None)
_SILENT = _Silent()


def _reporter() -> _Silent | _Rich:
    return _REPORTER.get() or _SILENT


@contextlib.contextmanager
def stage(label: str) -> Iterator[None]:
    """Show ``label`` while the block runs, then its duration (only on a console)."""
    reporter = _reporter()
    t0 = time.perf_counter()
    handle = reporter.start(label)
    try:
        yield
    except BaseException:
        reporter.fail(handle)
        raise
    reporter.finish(handle, label, time.perf_counter() - t0)


def note(text: str) -> None:
    """One line of information under the current stage (only on a console)."""
    _reporter().note(text)


def wanted(*, quiet: bool) -> bool:
    """Progress is shown unless ``--quiet`` or stdout or stderr is not a terminal."""
    return not quiet and sys.stdout.isatty() and sys.stderr.isatty()


@contextlib.contextmanager
def on_console(enabled: bool) -> Iterator[None]:
    """Attach a console to :func:`stage` and :func:`note` for the block, if ``enabled``."""
    if not enabled:
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=sys.stdout), transient=True) as bar:
        reporter = _Rich(bar)
        token = _REPORTER.set(reporter)
        handler = _attach_validation_log(reporter)
        try:
            yield
        finally:
            _REPORTER.reset(token)
            _detach(handler)


class _ValidationLines(logging.Handler):
    """The validation's per-file INFO lines as progress notes (nothing else)."""

    def __init__(self, reporter: _Rich) -> None:
        super().__init__(level=logging.INFO)
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.INFO:
            self.reporter.note(record.getMessage())


def _attach_validation_log(reporter: _Rich) -> logging.Handler:
    logger = logging.getLogger(VALIDATION_LOGGER)
    handler = _ValidationLines(reporter)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the lines are shown here, not by other handlers
    return handler


def _detach(handler: logging.Handler) -> None:
    logger = logging.getLogger(VALIDATION_LOGGER)
    logger.removeHandler(handler)
    logger.propagate = True


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:02.0f} s"

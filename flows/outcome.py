"""How a monthly run ends when it fails: the Prefect flow run is Failed and its state
message is the one-line reason the CLI prints (``mereffekt: error: <reason>``), so a
failed scheduled run says why in the UI, in ``mereffekt status`` and on the serve console.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from prefect import get_run_logger
from prefect.states import Failed

F = TypeVar("F", bound=Callable[..., Any])


def fail_with_one_line(fn: F) -> F:
    """Wrap a flow body (put it under ``@flow``): an exception becomes the flow's Failed
    state with the one-line reason as message. The exception stays the state's data, so
    calling the flow directly still raises it, as before."""
    # Prefect resolves parameter types in the wrapper's module: give it real types.
    fn.__annotations__ = typing.get_type_hints(fn)

    @functools.wraps(fn)
    def body(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure ends as a Failed state
            from flows.cli import error_line

            line = error_line(exc)
            # an unexpected error's traceback goes to the run's log; a known one is one line
            get_run_logger().error(line, exc_info=line.startswith("unexpected "))
            return Failed(message=line, data=exc)

    return body  # type: ignore[return-value]

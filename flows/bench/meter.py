"""Seconds (wall and CPU) and peak memory per stage of one process.

Stages nest: entering a stage closes the running interval of the enclosing one, so each
second and each byte of peak is attributed to the innermost stage running at the time.

CPU seconds are the process's (all its threads'): on a shared machine, where other
processes take turns on the cores, they move much less than wall seconds do.

Peak memory is the process's resident-set high-water mark (``VmHWM``) over the stage's
intervals. On Linux it is exact: writing ``5`` to ``/proc/self/clear_refs`` resets the
mark to the current RSS when an interval starts, and ``VmHWM`` is read when it ends. Where
that is not allowed, a thread samples the RSS every 10 ms instead (a spike shorter than
that can be missed). All stages run in the one process, so a stage's peak includes what
earlier stages left in memory (the panel during matching, say): it is the memory the
machine needs while that stage runs.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _kib(field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def rss_bytes() -> float:
    """Current resident set size of this process (0 where /proc is missing)."""
    try:
        return _kib("VmRSS") * 1024
    except OSError:
        return 0.0


def peak_rss_bytes() -> float:
    """This process's resident-set high-water mark (0 where /proc is missing)."""
    try:
        return _kib("VmHWM") * 1024
    except OSError:
        return 0.0


class _HighWater:
    """The kernel's high-water mark, reset by ``clear_refs``."""

    def reset(self) -> None:
        _CLEAR_REFS.write_text("5")

    def peak(self) -> float:
        return _kib("VmHWM") * 1024

    def close(self) -> None:
        pass


class _Sampler:
    """A thread sampling the RSS (fallback where ``clear_refs`` is not allowed)."""

    def __init__(self, every: float = 0.01) -> None:
        self._max = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self._max = max(self._max, rss_bytes())

    def reset(self) -> None:
        self._max = rss_bytes()

    def peak(self) -> float:
        return max(self._max, rss_bytes())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _high_water() -> _HighWater | _Sampler:
    try:
        hw = _HighWater()
        hw.reset()
        hw.peak()
        return hw
    except OSError:
        return _Sampler()


class StageMeter:
    """Wall seconds, CPU seconds and peak RSS per named stage (innermost stage wins)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu_seconds: dict[str, float] = defaultdict(float)
        self.peak_bytes: dict[str, float] = defaultdict(float)
        self.order: list[str] = []
        self._stack: list[str] = []
        self._hw = _high_water()
        self.method = "VmHWM with clear_refs" if isinstance(self._hw, _HighWater) else "sampled"
        self._t, self._cpu = time.perf_counter(), time.process_time()

    def _switch(self) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if self._stack:
            name = self._stack[-1]
            self.seconds[name] += now - self._t
            self.cpu_seconds[name] += cpu - self._cpu
            self.peak_bytes[name] = max(self.peak_bytes[name], self._hw.peak())
        self._hw.reset()
        self._t, self._cpu = time.perf_counter(), time.process_time()

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Attribute the block's time and memory to ``name``."""
        if name not in self.order:
            self.order.append(name)
        self._switch()
        self._stack.append(name)
        try:
            yield
        finally:
            self._switch()
            self._stack.pop()

    def close(self) -> None:
        self._hw.close()

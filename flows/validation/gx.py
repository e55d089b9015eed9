"""Running a GX suite on a pandas frame: one ephemeral context per validation.

GX fingerprints every pandas batch smaller than
``great_expectations.execution_engine.pandas_execution_engine.HASH_THRESHOLD`` bytes
(an md5 over all rows and the index, twice per validation: once to get the batch and
once to validate it) to fill a batch marker that nothing here reads. Its pandas engine
has no option for this. At 1M persons x 60 months the fingerprints of the row-count frame
and the partitions cost more than the rules themselves (see the README's benchmark), so
:class:`GxRunner` sets the threshold to 0 for the duration of each validation call and
puts the previous value back afterwards (``fingerprint=True`` keeps GX's behaviour). The
switch is scoped to the call, not cached or left behind.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from typing import Any

import pandas as pd

from flows.validation.suites import ROW_KEY

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW_KEY],
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
}


@contextlib.contextmanager
def _without_fingerprint() -> Iterator[None]:
    engine = importlib.import_module("great_expectations.execution_engine.pandas_execution_engine")
    saved = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = saved


class GxRunner:
    """A pandas whole-dataframe batch definition in an ephemeral GX context, bars off."""

    def __init__(self, *, fingerprint: bool = False) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        source = context.data_sources.add_pandas("mereffekt_inputs")
        asset = source.add_dataframe_asset("frame")
        self._definition = asset.add_batch_definition_whole_dataframe("whole")
        self.fingerprint = fingerprint
        self.calls = 0

    def run(self, suite: Any, frame: pd.DataFrame) -> dict[str, Any]:
        """Validate ``frame`` against ``suite``; results by expectation id."""
        self.calls += 1
        switch = contextlib.nullcontext() if self.fingerprint else _without_fingerprint()
        with switch:
            batch = self._definition.get_batch(batch_parameters={"dataframe": frame})
            result = batch.validate(suite, result_format=RESULT_FORMAT)
        return {r.expectation_config.meta["expectation_id"]: r for r in result.results}

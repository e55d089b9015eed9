"""Input validation against the contract-generated GX suites, split by job:

* :mod:`~flows.validation.suites`: the suites, their rules and how each rule runs;
* :mod:`~flows.validation.reading`: Parquet to coded columns (:mod:`~flows.validation.coded`);
* :mod:`~flows.validation.gx`: running a GX suite on a pandas frame;
* :mod:`~flows.validation.structure`: columns, types, row count and value rules;
* :mod:`~flows.validation.rows`: rules over several rows or columns, by partition;
* :mod:`~flows.validation.cross_file`: the cross-file checks;
* :mod:`~flows.validation.quarantine`: the rows set aside and the quarantine table;
* :mod:`~flows.validation.report`: the HTML report;
* :mod:`~flows.validation.validate`: the entry point, :func:`validate_inputs`;
* :mod:`~flows.validation.validated`: its result, :class:`ValidatedInputs`.
"""

from flows.validation.cross_file import CHECKS as CROSS_FILE_CHECKS
from flows.validation.errors import ValidationError
from flows.validation.suites import SHARE_RULE, Rule, Suite, load_suites
from flows.validation.validate import validate_inputs
from flows.validation.validated import ValidatedInputs

__all__ = [
    "CROSS_FILE_CHECKS",
    "SHARE_RULE",
    "Rule",
    "Suite",
    "ValidatedInputs",
    "ValidationError",
    "load_suites",
    "validate_inputs",
]

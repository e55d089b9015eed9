"""One text catalogue, in Danish and English, for every word mereffekt writes for people:
the report, the monitor's reasons (``indicators.parquet``) and its artifact summaries.

Tables carry codes and numbers; texts are rendered from this catalogue where a table or
page is written.

* :mod:`.catalogue` - the fields (:class:`Texts`), one frozen instance per language:
  :mod:`.da`, :mod:`.en`; :mod:`.languages` - ``TEXTS[lang]``, ``STYLES[lang]``;
* :mod:`.numbers` - :class:`NumberStyle`: numbers, money, months and shares in the
  report's style and in the plain style of table text and artifacts;
* :mod:`.reasons` - :func:`monitor_reason`: a status rule's sentence from its code and
  numbers;
* :mod:`.covariates` - :func:`covariate_label`: readable names of matching covariates.

It lives in the core, not in ``flows``, because the monitor's table is built here and
``evaluation`` never imports ``flows``; it is pure data and formatting.
"""

from evaluation.texts.catalogue import Lang, Texts
from evaluation.texts.covariates import covariate_label
from evaluation.texts.languages import STYLES, TEXTS
from evaluation.texts.numbers import DASH, MINUS, NumberStyle
from evaluation.texts.reasons import monitor_reason

__all__ = [
    "DASH",
    "MINUS",
    "STYLES",
    "TEXTS",
    "Lang",
    "NumberStyle",
    "Texts",
    "covariate_label",
    "monitor_reason",
]

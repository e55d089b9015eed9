"""The report's sections, one module each, every one a function of
:class:`~flows.report.cells.ReportData` returning HTML: :mod:`.headline` (key findings
and the caveat), :mod:`.overview`, :mod:`.forest`, :mod:`.portfolio`, :mod:`.on_track`,
:mod:`.offer` (per offer, with its figures in :mod:`.offer_figures`), :mod:`.method`
(method notes) and :mod:`.suppression` (the suppression note)."""

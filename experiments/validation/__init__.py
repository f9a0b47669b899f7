"""``youwei validate-model``: how far to trust the model, in one report.

One module per section of ``validation.md`` / ``validation.json``:
:mod:`~experiments.validation.facts` (stylised facts 1-4 with CIs),
:mod:`~experiments.validation.targets` (every calibration target against the model),
:mod:`~experiments.validation.peter` (the Peter table through ``CadreModel``),
:mod:`~experiments.validation.stationarity` (does the organisation settle?),
:mod:`~experiments.validation.robustness` (the packages' rankings over an LHS sample of
the assumption ranges), assembled by :mod:`~experiments.validation.command`. Every run
goes through the shared runner (``experiments.common.runner``).
"""

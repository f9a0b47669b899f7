"""Calibration: fit a scenario's free parameters to the counts the seed articles give.

``youwei calibrate SCENARIO --targets FILE --out DIR`` (:mod:`.command`) reads a
targets file (:mod:`.targets`: the article's number, its quote, the scale to the
scenario, the tolerance, and the free parameters with their ranges), fits the
parameters by simulated method of moments on common random numbers
(:mod:`.smm`), and writes the fit with every target against the model's mean and
95% interval. The bundled targets files are ``scenarios/targets/<scenario>.toml``.
"""

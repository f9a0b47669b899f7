"""Parameter sweeps and sensitivity analyses (``youwei sweep``, ``youwei analyze``)."""

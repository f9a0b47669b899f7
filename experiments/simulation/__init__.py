"""Simulation runs and policy comparisons (``youwei run``, ``youwei compare``)."""

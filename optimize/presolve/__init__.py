"""Exact shortcuts before the whole program: prune the pairs no optimum needs
(``prune``), and try the assignment as a matching first (``matching``).

Both leave the optimum unchanged; ``optimize.allocate`` uses them when asked
(``prune=True``, ``assignment_first=True``).
"""

"""Exact shortcuts before the whole program: solve over classes of interchangeable posts
(``aggregate``), prune the pairs no optimum needs (``prune``), try the assignment as a
matching first (``matching``), and a Lagrangian path for one binding share row
(``lagrange``).

All leave the optimum unchanged; ``optimize.allocate`` uses them when asked
(``aggregate=True``, ``prune=True``, ``assignment_first=True``, ``share_lagrangian=True``).
"""

"""Ensemble experiments: every policy package on every sampled world, regret and robustness.

``measures`` holds the pure computations (regret, maximin, minimax regret,
satisficing); ``spec`` reads and checks a robust spec; ``engine`` runs it on
the shared executor through the sweep engine; ``report`` writes the tables,
figures and ``report.html``; ``command`` is ``youwei robust``.
"""

"""Policy search: multi-objective search over lever ranges under a budget, on a fixed
sample of worlds (robust optimisation), with optuna's multi-objective TPE or NSGA-II.

``pareto`` holds the pure pieces (Pareto front, 2-D hypervolume, ZDT1); ``loop``
the ask-and-tell loop over any batch evaluator, with optuna's storage for resume;
``spec``, ``engine`` and ``command`` make it ``youwei search``.
"""

"""Small youwei search specs shared by the search tests and ``benchmarks/search.py``.

Both run on the 58-cadre county of :mod:`tests.scenario_fixtures` (write it as
``small.toml`` next to the spec), 3 years, two fixed worlds over
``behaviour.sanction_cost``, one replication each, batches of 8 candidates.
``{seed}`` and ``{trials}`` are filled in with ``str.format``.
"""

_COMMON = """\
world = "small.toml"
years = 3
seed = {seed}
replications = 1
worlds = 2
trials = {trials}
batch = 8

[levers]
"policy.tolerance.excuse_rate" = {{ range = [0.0, 1.0] }}
"policy.tolerance.discrimination" = {{ range = [0.5, 1.0] }}
"policy.promotion.rule" = {{ levels = ["seniority", "merit", "blend"] }}
"policy.bonus.top_share" = {{ range = [0.0, 0.3] }}
"""
"""What both specs share: the world, sizes, seed, and four of their levers."""

_UNCERTAINTY = """
[uncertainties]
"behaviour.sanction_cost" = {{ range = [2.5, 7.5] }}
"""

EFFORT_COST = 'name = "effort_cost"\n' + _COMMON + """\
"policy.bonus.amount" = {{ range = [0.0, 2.0] }}
"policy.subsidy.frontline_premium" = {{ range = [0.0, 0.3] }}
""" + _UNCERTAINTY + """
[objectives.mean_effort]
direction = "max"

[objectives.total_cost]
direction = "min"

[budget]
cost = "total_cost"
max = 30.0
"""
"""Effort (max) against cost (min, 万元 a year) under a budget of 30: a front along the
whole budget (money buys effort), six levers."""

EFFORT_COST_REFERENCE = (0.0, 30.0)
"""Hypervolume reference of (-effort, cost): no effort, the budget."""

EFFORT_PUNISHMENT = 'name = "effort_punishment"\n' + _COMMON + _UNCERTAINTY + """
[objectives.mean_effort]
direction = "max"

[objectives.punished_honest_share]
direction = "min"

[budget]
cost = "bonus_cost"
max = 5.0
"""
"""Effort (max) against the share of honest errors punished (min), bonus under 5 万元: few
honest errors in a small county, so the share takes a handful of values and the front is
often a single policy (high excuse rate and discrimination) that sampling finds too."""

EFFORT_PUNISHMENT_REFERENCE = (0.0, 1.05)
"""Hypervolume reference of (-effort, punished share)."""

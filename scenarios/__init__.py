"""Scenarios: the validated, frozen description of one world and one policy package.

``load_scenario("ordos")`` reads a bundled scenario (or any TOML file), applies
its ``extends`` chain and its ``world`` and ``package`` files, and validates
it; ``load_scenario("ordos", world="baseline")`` runs its policy package on
another world, and ``values={"policy.tolerance.excuse_rate": 0.6}`` sets levers
(as ``--set`` does). ``Scenario.with_values`` is the validated way to vary a
loaded scenario (never ``model_copy(update=...)``, which does not validate).
``list_scenarios()`` lists the bundled library in :data:`SCENARIO_DIR`; worlds
are in ``worlds/``, policy packages in ``packages/``. See
:mod:`scenarios.schema` for the fields, :mod:`scenarios.levers` for what each
means (lever or uncertainty, unit, source, zh and en), and
:mod:`scenarios.loader` for the file format, merge rules and error messages.
``extends``, ``world`` and ``package`` read any path the user names: load only
files you trust.
"""

from scenarios.loader import (
    FULL_SIZE,
    PACKAGE_DIR,
    SCENARIO_DIR,
    WORLD_DIR,
    ScenarioError,
    is_full_size,
    list_scenarios,
    load_scenario,
    resolved_toml,
    scenario_hash,
)
from scenarios.schema import Scenario

__all__ = [
    "FULL_SIZE",
    "PACKAGE_DIR",
    "SCENARIO_DIR",
    "WORLD_DIR",
    "Scenario",
    "ScenarioError",
    "is_full_size",
    "list_scenarios",
    "load_scenario",
    "resolved_toml",
    "scenario_hash",
]

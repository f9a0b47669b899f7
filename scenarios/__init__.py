"""Scenarios: the validated, frozen description of one world and one policy package.

``load_scenario("ordos")`` reads a bundled scenario (or any TOML file), applies
its ``extends`` chain and validates it; ``list_scenarios()`` lists the bundled
library in :data:`SCENARIO_DIR`. See :mod:`scenarios.schema` for the fields and
:mod:`scenarios.loader` for the file format and merge rules.
"""

from scenarios.loader import (
    SCENARIO_DIR,
    ScenarioError,
    list_scenarios,
    load_scenario,
    resolved_toml,
    scenario_hash,
)
from scenarios.schema import Scenario

__all__ = [
    "SCENARIO_DIR",
    "Scenario",
    "ScenarioError",
    "list_scenarios",
    "load_scenario",
    "resolved_toml",
    "scenario_hash",
]

"""Scenario text shared by the tests: a small county that runs in milliseconds."""

SMALL_COUNTY = """\
extends = "baseline.toml"
name = "small_county"
years = 3
seed = 5

[organisation.organs]
count = 2
establishment = 10

[organisation.frontline]
count = 3
establishment = 10

[organisation.key_projects]
count = 1
establishment = 8
"""
"""58 cadres in 6 units, extending the bundled baseline; write it next to files that
``extends = "baseline.toml"`` resolves from the library."""

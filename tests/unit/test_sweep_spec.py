"""Sweep specs: the bundled examples, scenario variants, value mapping, one-line errors."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from experiments.sweep.designs import DesignMethod
from experiments.sweep.spec import (
    Parameter,
    SpecError,
    load_spec,
    with_value,
    with_values,
)
from scenarios import load_scenario
from tests.scenario_fixtures import SMALL_COUNTY

SWEEPS = Path(__file__).resolve().parents[2] / "experiments" / "sweep" / "specs"

SMALL = SMALL_COUNTY

SPEC = """\
scenario = "small.toml"
years = 3
seed = 7
replications = 2
outputs = ["mean_effort", "punished_honest_share"]

[parameters]
"policy.tolerance.excuse_rate" = { range = [0, 1] }
"policy.promotion.rule" = { levels = ["seniority", "merit"] }
"organisation.frontline.count" = { range = [2, 4] }

[design]
method = "lhs"
samples = 6
"""


def write_spec(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def spec_error(folder: Path, text: str) -> str:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(folder, text))
    message = str(caught.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(("name", "method", "points"), [
    ("tolerance", DesignMethod.SOBOL, 64 * (5 + 2)),
    ("morris_levers", DesignMethod.MORRIS, 10 * (9 + 1)),
])
def test_bundled_examples_load(name, method, points):
    spec = load_spec(SWEEPS / f"{name}.toml")
    assert spec.name == name
    assert spec.method is method
    assert spec.n_points == points
    assert spec.n_runs == points * spec.replications
    assert spec.scenario.name == "baseline"
    assert spec.scenario.years == spec.years


def test_a_spec_loads_the_same_twice_and_its_hash_ignores_name_and_description(tmp_path):
    first = load_spec(write_spec(tmp_path, SPEC))
    again = load_spec(write_spec(tmp_path, 'name = "other"\ndescription = "x"\n' + SPEC))
    assert first.points == again.points
    assert first.hash == again.hash
    reseeded = load_spec(write_spec(tmp_path, SPEC.replace("seed = 7", "seed = 8")))
    assert reseeded.hash != first.hash
    assert reseeded.points != first.points  # the design's sampler follows the root seed


def test_the_base_scenario_gets_the_specs_years_and_seed(tmp_path):
    spec = load_spec(write_spec(tmp_path, SPEC.replace("years = 3", "years = 2")))
    assert (spec.scenario.years, spec.scenario.seed) == (2, 7)
    assert spec.scenario.organisation.organs.count == 2  # the file next to the spec


def test_values_follow_the_field_types(tmp_path):
    spec = load_spec(write_spec(tmp_path, SPEC))
    for excuse_rate, rule, count in spec.points:
        assert isinstance(excuse_rate, float) and 0 <= excuse_rate <= 1
        assert rule in ("seniority", "merit")
        assert isinstance(count, int) and 2 <= count <= 4


def test_grid_and_list_designs(tmp_path):
    grid = load_spec(write_spec(tmp_path, SPEC.split("[design]")[0].replace(
        "range = [0, 1]", "range = [0, 1], points = 3") + '[design]\nmethod = "grid"\n'))
    assert grid.n_points == 3 * 2 * 3  # 3 points x 2 levels x every integer in 2..4
    assert grid.points[:2] == ((0.0, "seniority", 2), (0.0, "seniority", 3))
    listed = load_spec(write_spec(tmp_path, """\
scenario = "small.toml"
seed = 1
outputs = ["mean_effort"]
[design]
method = "list"
points = [
    { "policy.tolerance.excuse_rate" = 0, "policy.promotion.rule" = "merit" },
    { "policy.tolerance.excuse_rate" = 0.5, "policy.promotion.rule" = "seniority" },
]
"""))
    assert listed.paths == ("policy.tolerance.excuse_rate", "policy.promotion.rule")
    assert listed.points == ((0.0, "merit"), (0.5, "seniority"))


# --------------------------------------------------------------------------- variants


def test_with_value_makes_a_validated_copy():
    base = load_scenario("baseline")
    varied = with_value(base, "policy.tolerance.excuse_rate", 0.4)
    assert varied.policy.tolerance.excuse_rate == 0.4
    assert base.policy.tolerance.excuse_rate == 0.0
    assert varied.policy.tolerance.discrimination == base.policy.tolerance.discrimination
    with pytest.raises(ValidationError):
        with_value(base, "policy.tolerance.excuse_rate", 1.5)  # Field(ge=0, le=1)
    with pytest.raises(ValidationError):
        with_value(base, "population.age_min", 59)  # check_ages: age_min < age_max


def test_with_values_reaches_table_keys_and_array_items():
    base = load_scenario("baseline")
    varied = with_values(base, ["organisation.frontline.posts.3", "organisation.rank_quota.1"],
                         [1, 0.5])
    assert varied.organisation.frontline.posts[3] == 1
    assert varied.organisation.rank_quota[1] == 0.5


@pytest.mark.parametrize(("u", "expected"), [(0.0, 2), (0.33, 2), (0.34, 3), (0.99, 4), (1.0, 4)])
def test_an_integer_range_gives_each_integer_an_equal_bin(u, expected):
    assert Parameter("x", low=2, high=4, integer=True).value_at(u) == expected


def test_levels_and_float_ranges_map_the_unit_interval():
    assert Parameter("x", levels=("a", "b", "c")).value_at(0.5) == "b"
    assert Parameter("x", levels=("a", "b", "c")).value_at(1.0) == "c"
    assert Parameter("x", low=0.5, high=1.0).value_at(0.5) == 0.75


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("change", "expected"), [
    (('range = [0, 1] }', 'range = [0, 1.5] }'),
     "sweep.toml, key 'parameters.\"policy.tolerance.excuse_rate\".range': "
     "expected a number in [0, 1], got 1.5"),
    (('"policy.tolerance.excuse_rate"', '"policy.tolerence.excuse_rate"'),
     "sweep.toml, key 'parameters.\"policy.tolerence.excuse_rate\"': unknown scenario key "
     "'policy.tolerence' (did you mean 'tolerance'? allowed: promotion, tolerance,"),
    (('"policy.tolerance.excuse_rate"', '"policy.tolerance"'),
     "policy.tolerance is a table of the scenario"),
    (('"merit"]', '"merits"]'),
     "key 'parameters.\"policy.promotion.rule\".levels[1]': expected one of 'seniority', "
     "'merit',"),
    (('{ levels = ["seniority", "merit"] }', '{ range = [0, 1] }'),
     "a range needs a number field; policy.promotion.rule takes one of"),
    (("range = [2, 4]", "range = [2, 4.5]"),
     "key 'parameters.\"organisation.frontline.count\".range': expected an integer in "
     "[0, 1000000], got 4.5"),
    (("range = [0, 1] }", "range = [1, 0] }"), "expected low < high, got [1, 0]"),
    (("range = [0, 1] }", "range = [0] }"), "expected an array of two numbers [low, high]"),
    (("range = [0, 1] }", "rang = [0, 1] }"), "unknown key (did you mean 'range'?"),
    (("replications", "replication"),
     "key 'replication': unknown key (did you mean 'replications'?"),
    (("seed = 7", ""), "sweep.toml, key 'seed': expected a value here (required)"),
    (("seed = 7", 'seed = "7"'), "key 'seed': expected an integer in [0, "),
    (('"lhs"', '"lsh"'), "key 'design.method': expected one of 'grid', 'lhs', 'sobol', "
                         "'morris', 'list', got 'lsh'"),
    (('"lhs"', '"grid"'), "key 'design.samples': not used by design 'grid'"),
    (('"lhs"', '"sobol"'), "key 'design.samples': expected a power of 2"),
    (('"mean_effort"', '"mean_efort"'),
     "key 'outputs[0]': unknown output 'mean_efort' (did you mean 'mean_effort'?"),
    (('"policy.tolerance.excuse_rate"', '"seed"'), "seed cannot be swept"),
    (('"policy.tolerance.excuse_rate"', '"organisation.rank_quota.9"'),
     "organisation.rank_quota has 6 entries in the base scenario"),
    (('"small.toml"', '"missing.toml"'), "key 'scenario': missing.toml: no such file"),
    (("seed = 7", "seed = = 7"), "sweep.toml line 3: invalid TOML"),
])
def test_spec_errors_are_one_line_naming_the_key(tmp_path, change, expected):
    old, new = change
    assert old in SPEC
    assert expected in spec_error(tmp_path, SPEC.replace(old, new, 1))


def test_a_point_that_breaks_a_cross_field_check_is_rejected_before_running(tmp_path):
    # Each range is valid on its own; some combinations put age_min above age_max.
    message = spec_error(tmp_path, SPEC.replace(
        '"organisation.frontline.count" = { range = [2, 4] }',
        '"population.age_min" = { range = [30, 50] }\n'
        '"population.age_max" = { range = [40, 58] }'))
    assert re.search(r"key 'design': point \d+ \(.*population.age_min = .*\) is not a valid "
                     r"scenario: age_min \(\d+\) must be below age_max \(\d+\)", message)


def test_list_points_must_set_the_same_parameters_within_their_ranges(tmp_path):
    head = 'scenario = "small.toml"\nseed = 1\noutputs = ["mean_effort"]\n'
    uneven = spec_error(tmp_path, head + """\
[design]
method = "list"
points = [{ "policy.tolerance.excuse_rate" = 0.1 }, { "policy.bonus.amount" = 1.0 }]
""")
    assert "key 'design.points[1]': every point must set the same parameters" in uneven
    outside = spec_error(tmp_path, head + """\
[parameters]
"policy.tolerance.excuse_rate" = { range = [0, 0.5] }
[design]
method = "list"
points = [{ "policy.tolerance.excuse_rate" = 0.1 }, { "policy.tolerance.excuse_rate" = 0.9 }]
""")
    assert "key 'design.points[1]': policy.tolerance.excuse_rate = 0.9 is outside its range" \
        in outside


def test_a_missing_spec_file_and_the_error_pickles(tmp_path):
    with pytest.raises(SpecError, match=r"^nothing\.toml: no such file$") as caught:
        load_spec(tmp_path / "nothing.toml")
    again = pickle.loads(pickle.dumps(caught.value))
    assert str(again) == str(caught.value)


# --------------------------------------------------------------------------- aliases and limits


HEAD = 'scenario = "small.toml"\nseed = 1\noutputs = ["mean_effort"]\n'


def test_two_spellings_of_one_array_entry_are_one_error(tmp_path):
    message = spec_error(tmp_path, HEAD + """\
[parameters]
"organisation.rank_quota.1" = { range = [0.1, 0.2] }
"organisation.rank_quota.01" = { range = [0.3, 0.4] }
[design]
method = "lhs"
samples = 4
""")
    assert message == ("sweep.toml, key 'parameters.\"organisation.rank_quota.01\"': "
                       "'organisation.rank_quota.1' and 'organisation.rank_quota.01' name the "
                       "same value (organisation.rank_quota.1): keep one")


@pytest.mark.parametrize(("design", "expected"), [
    # 10^15 points: refused from the counts, before a point is made (no MemoryError)
    ('"policy.tolerance.excuse_rate" = { range = [0, 1], points = 100000 }\n'
     '"policy.tolerance.discrimination" = { range = [0.5, 1], points = 100000 }\n'
     '"policy.bonus.amount" = { range = [0, 1], points = 100000 }\n'
     '[design]\nmethod = "grid"\n',
     "key 'design': the grid would have 1,000,000,000,000,000 points "
     "(100,000 x 100,000 x 100,000), more than 100,000"),
    ('"policy.tolerance.excuse_rate" = { range = [0, 1] }\n'
     '[design]\nmethod = "lhs"\nsamples = 1000000\n',
     "key 'design.samples': the design would have 1,000,000 points, more than 100,000"),
])
def test_designs_beyond_the_limit_are_refused_up_front_with_their_count(tmp_path, design,
                                                                        expected):
    message = spec_error(tmp_path, HEAD + "[parameters]\n" + design)
    assert expected in message

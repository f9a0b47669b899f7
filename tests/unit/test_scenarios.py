"""The scenario loader: extends and block-wise merge, bare names, hashes, one-line errors."""

from __future__ import annotations

import pickle
import re

import pytest
from annotated_types import Ge, Gt, Le, Lt

from scenarios import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    load_scenario,
    resolved_toml,
    scenario_hash,
)
from scenarios.loader import describe_range, merge_tables
from scenarios.schema import Policy
from tests.scenario_fixtures import write

PARENT = """\
name = "parent"
description = "The parent."
years = 7

[policy.tolerance]
excuse_rate = 0.3
discrimination = 0.9

[policy.discipline]
block_months = [6, 12, 18, 24]

[organisation.frontline]
count = 5
posts = { 1 = 2, 2 = 1 }
"""


# --------------------------------------------------------------------------- extends


def test_extends_overrides_only_the_keys_a_child_sets(tmp_path):
    write(tmp_path, "parent.toml", PARENT)
    child = write(tmp_path, "child.toml", """\
extends = "parent.toml"
[policy.tolerance]
excuse_rate = 0.6
""")
    scenario = load_scenario(child)
    assert scenario.policy.tolerance.excuse_rate == 0.6
    assert scenario.policy.tolerance.discrimination == 0.9  # kept from the parent's block
    assert scenario.years == 7
    assert scenario.organisation.frontline.count == 5


def test_arrays_are_replaced_and_tables_merge(tmp_path):
    write(tmp_path, "parent.toml", PARENT)
    child = write(tmp_path, "child.toml", """\
extends = "parent.toml"
[policy.discipline]
block_months = [1, 2, 3, 4]
[organisation.frontline]
posts = { 3 = 1, 2 = 0 }
""")
    scenario = load_scenario(child)
    assert scenario.policy.discipline.block_months == [1, 2, 3, 4]
    assert scenario.organisation.frontline.posts == {1: 2, 2: 0, 3: 1}


def test_merge_tables_leaves_its_inputs_alone():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 0}
    override = {"a": {"c": [3]}, "e": {"f": 1}}
    merged = merge_tables(base, override)
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 0, "e": {"f": 1}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 0}
    assert override == {"a": {"c": [3]}, "e": {"f": 1}}


def test_extends_chains_through_several_files(tmp_path):
    write(tmp_path, "a.toml", "years = 3\n[policy.bonus]\ntop_share = 0.1\namount = 1.0\n")
    write(tmp_path, "b.toml", 'extends = "a.toml"\n[policy.bonus]\namount = 2.0\n')
    c = write(tmp_path, "c.toml", 'extends = "b.toml"\nseed = 9\n')
    scenario = load_scenario(c)
    assert (scenario.years, scenario.seed) == (3, 9)
    assert (scenario.policy.bonus.top_share, scenario.policy.bonus.amount) == (0.1, 2.0)


def test_extends_is_relative_to_the_extending_file(tmp_path):
    write(tmp_path, "lib/base.toml", "years = 4\n")
    write(tmp_path, "lib/mid.toml", 'extends = "base.toml"\nseed = 5\n')
    child = write(tmp_path, "runs/child.toml", 'extends = "../lib/mid.toml"\n')
    scenario = load_scenario(child)
    assert (scenario.years, scenario.seed) == (4, 5)


def test_name_and_description_are_not_inherited(tmp_path):
    write(tmp_path, "parent.toml", PARENT)
    child = write(tmp_path, "My-Variant.toml", 'extends = "parent.toml"\n')
    scenario = load_scenario(child)
    assert scenario.name == "my_variant"
    assert scenario.description == ""


def test_a_user_file_may_extend_the_bundled_baseline(tmp_path):
    child = write(tmp_path, "mine.toml", 'extends = "baseline.toml"\n[policy.bonus]\n'
                                         'top_share = 0.05\n')
    scenario = load_scenario(child)
    baseline = load_scenario(SCENARIO_DIR / "baseline.toml")
    assert scenario.policy.bonus.top_share == 0.05
    assert scenario.policy.tolerance == baseline.policy.tolerance
    assert scenario.policy.promotion == baseline.policy.promotion


@pytest.mark.parametrize("files", [
    {"a.toml": 'extends = "a.toml"\n'},
    {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'},
    {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "c.toml"\n',
     "c.toml": 'extends = "b.toml"\n'},
])
def test_an_extends_cycle_is_an_error(tmp_path, files):
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ScenarioError, match=r"key 'extends': extends cycle: \w\.toml -> "):
        load_scenario(tmp_path / "a.toml")


def test_a_missing_parent_is_named(tmp_path):
    child = write(tmp_path, "child.toml", 'extends = "nowhere.toml"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert str(caught.value).startswith("child.toml, key 'extends': no such file 'nowhere.toml'")


# --------------------------------------------------------------------------- messages

# (file text, the exact message for a file named my.toml)
BAD_FILES = [
    ("[policy.tolerence]\nexcuse_rate = 0.5\n",
     "my.toml line 1, key 'policy.tolerence': unknown key (did you mean 'tolerance'? allowed: "
     + ", ".join(Policy.model_fields) + ")"),
    ("yeras = 3\n",
     "my.toml line 1, key 'yeras': unknown key (did you mean 'years'? allowed: extends, world, "
     "package, "
     + ", ".join(Scenario.model_fields) + ")"),
    ('[policy.tolerance]\nexcuse_rate = "0.3"\n',
     "my.toml line 2, key 'policy.tolerance.excuse_rate': expected a number in [0, 1], got '0.3'"),
    ("[policy.tolerance]\nexcuse_rate = 1.5\n",
     "my.toml line 2, key 'policy.tolerance.excuse_rate': expected a number in [0, 1], got 1.5"),
    ("[policy.promotion]\nmax_age = 55.5\n",
     "my.toml line 2, key 'policy.promotion.max_age': expected an integer in [0, 200], got 55.5"),
    ("years = 0\n", "my.toml line 1, key 'years': expected an integer in [1, 10000], got 0"),
    ("[policy.assessment]\nfrontline_noise_factor = 0.0\n",
     "my.toml line 2, key 'policy.assessment.frontline_noise_factor': expected a number in (0, 5], "
     "got 0.0"),
    ("[organisation]\nrank_quota = [1.0, 0.6, 0.35, 0.2, 0.1, -0.05]\n",
     "my.toml line 2, key 'organisation.rank_quota[5]': expected a number in [0, 1], got -0.05"),
    ("[organisation.frontline]\nposts = { x = 1 }\n",
     "my.toml line 2, key 'organisation.frontline.posts.x': expected an integer in [1, 20] as the "
     "key, got 'x'"),
    ('[policy.promotion]\nrule = "meritt"\n',
     "my.toml line 2, key 'policy.promotion.rule': expected one of 'seniority', 'merit', 'blend', "
     "'best', 'worst', 'random', 'alternate', got 'meritt'"),
    ('[organisation]\npools = "all"\n',
     "my.toml line 2, key 'organisation.pools': expected one of 'by_kind', 'single', got 'all'"),
    ("[behaviour]\nenabled = 1\n",
     "my.toml line 2, key 'behaviour.enabled': expected true or false, got 1"),
    ("[policy]\nbonus = 3\n", "my.toml line 2, key 'policy.bonus': expected a table, got 3"),
    ('years = 3\nname = "My Scenario"\n',
     "my.toml line 2, key 'name': expected a name of lower-case letters, digits and '_', "
     "got 'My Scenario'"),
    ("[organisation]\nrank_quota = [1.0, 0.5]\n",
     "my.toml line 1, key 'organisation': rank_quota has 2 entries, expected rank_count = 6"),
    ("[behaviour]\ntransfer = nan\n",
     "my.toml line 2, key 'behaviour.transfer': expected a finite number, got nan"),
    ("years = 10\n\n[policy\n",
     "my.toml line 3: invalid TOML (expected ']' at the end of a table declaration, column 8)"),
    ("extends = 3\n",
     "my.toml, key 'extends': expected a file name (a string such as \"baseline.toml\"), got 3"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES, ids=[m.split(": ")[0] + m[-12:]
                                                            for _, m in BAD_FILES])
def test_errors_name_the_file_the_key_and_what_is_allowed(tmp_path, text, message):
    path = write(tmp_path, "my.toml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_a_key_set_in_a_parent_names_the_parent(tmp_path):
    write(tmp_path, "parent.toml", "[policy.bonus]\namount = -1.0\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\nyears = 5\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert str(caught.value) == ("child.toml, key 'policy.bonus.amount' (set in parent.toml "
                                 "line 2): expected a number in [0, 1000000], got -1.0")


def test_a_key_the_child_overrides_is_not_blamed_on_the_parent(tmp_path):
    write(tmp_path, "parent.toml", "[policy.bonus]\namount = 1.0\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\n[policy.bonus]\n'
                                          'amount = -2.0\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert str(caught.value).startswith("child.toml line 3, key 'policy.bonus.amount': expected")


def test_a_syntax_error_in_a_parent_names_the_parent_and_its_line(tmp_path):
    write(tmp_path, "parent.toml", "years = 3\nseed = = 1\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\n')
    with pytest.raises(ScenarioError, match=r"^parent\.toml line 2: invalid TOML \("):
        load_scenario(child)


def test_bytes_that_are_not_utf8_are_an_error(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b'description = "caf\xe9"\n')
    with pytest.raises(ScenarioError, match=r"^latin\.toml: expected UTF-8 text, got a byte"):
        load_scenario(path)


def test_the_error_survives_pickling(tmp_path):
    path = write(tmp_path, "my.toml", "[policy.tolerance]\nexcuse_rate = 1.5\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    clone = pickle.loads(pickle.dumps(caught.value))
    assert str(clone) == str(caught.value)
    assert clone.key == "policy.tolerance.excuse_rate"


@pytest.mark.parametrize(("metadata", "text"), [
    ((), ""),
    ((Ge(0),), " >= 0"),
    ((Lt(1.5),), " < 1.5"),
    ((Ge(0), Lt(1)), " in [0, 1)"),
    ((Le(1), Ge(0), Le(1e6)), " in [0, 1]"),  # an alias narrowed by Field(le=1)
    ((Ge(0), Gt(0), Le(2)), " in (0, 2]"),
])
def test_describe_range_without_both_bounds(metadata, text):
    assert describe_range(metadata) == text


# --------------------------------------------------------------------------- names


def test_a_bare_name_is_a_bundled_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bundled = load_scenario(SCENARIO_DIR / "ordos.toml")
    assert load_scenario("ordos") == bundled
    assert load_scenario("ordos.toml") == bundled


def test_an_existing_file_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ordos.toml", 'name = "local_ordos"\nyears = 3\n')
    assert load_scenario("ordos.toml").name == "local_ordos"


def test_an_unknown_name_lists_the_bundled_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario("ordoss")
    message = str(caught.value)
    assert message.startswith("ordoss: no such file, and no bundled scenario of that name")
    assert "baseline" in message and "ordos" in message and "\n" not in message


# --------------------------------------------------------------------------- hash and TOML


FLAT = """\
name = "same"
years = 7
[policy.tolerance]
discrimination = 0.9
excuse_rate = 0.6
"""

REORDERED = """\
years = 7
name = "same"
[policy.tolerance]
excuse_rate = 0.6
discrimination = 0.9
"""


def test_the_hash_ignores_how_a_scenario_was_written(tmp_path):
    write(tmp_path, "base.toml", 'name = "base"\nyears = 7\n[policy.tolerance]\n'
                                 'excuse_rate = 0.3\ndiscrimination = 0.9\n')
    via_extends = write(tmp_path, "a/same.toml", 'extends = "../base.toml"\n'
                                                 '[policy.tolerance]\nexcuse_rate = 0.6\n')
    flat = write(tmp_path, "flat.toml", FLAT)
    reordered = write(tmp_path, "reordered.toml", REORDERED)
    hashes = {scenario_hash(load_scenario(p)) for p in (via_extends, flat, reordered, flat)}
    assert len(hashes) == 1
    (digest,) = hashes
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_the_hash_changes_when_a_value_changes(tmp_path):
    one = load_scenario(write(tmp_path, "one.toml", FLAT))
    two = load_scenario(write(tmp_path, "two.toml", FLAT.replace("0.6", "0.61")))
    assert scenario_hash(one) != scenario_hash(two)
    assert scenario_hash(one) != scenario_hash(one.model_copy(update={"seed": 2}))


def test_resolved_toml_loads_back_to_the_same_scenario(tmp_path):
    scenario = load_scenario(SCENARIO_DIR / "tengzhou.toml")
    text = resolved_toml(scenario)
    assert not any(line.startswith("extends") for line in text.splitlines())
    assert scenario_hash(scenario) in text.splitlines()[0]
    again = load_scenario(write(tmp_path, "resolved.toml", text))
    assert again == scenario
    assert scenario_hash(again) == scenario_hash(scenario)


# --------------------------------------------------------------------------- escapes


def test_a_long_extends_chain_is_one_error_not_a_recursion_error(tmp_path):
    write(tmp_path, "f0.toml", "years = 3\n")
    for i in range(1, 1001):
        write(tmp_path, f"f{i}.toml", f'extends = "f{i - 1}.toml"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "f1000.toml")
    assert str(caught.value) == ("f936.toml, key 'extends': extends chain longer than 64 files "
                                 "(starting at f1000.toml)")


def test_a_chain_of_64_files_is_fine(tmp_path):
    write(tmp_path, "f0.toml", "years = 3\n")
    for i in range(1, 64):
        write(tmp_path, f"f{i}.toml", f'extends = "f{i - 1}.toml"\n')
    assert load_scenario(tmp_path / "f63.toml").years == 3


@pytest.mark.parametrize("text", ["", "# only a comment\n\n", 'name = "x"\n',
                                  'name = "x"\ndescription = "nothing else"\n'])
def test_an_empty_scenario_file_is_an_error(tmp_path, text):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "empty.toml", text))
    assert str(caught.value).startswith("empty.toml: empty scenario file: set at least one value")


@pytest.mark.parametrize("seed", [2**63, 2**64 + 1])
def test_a_seed_above_2_63_is_an_error(tmp_path, seed):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "s.toml", f"seed = {seed}\n"))
    assert str(caught.value) == (f"s.toml line 1, key 'seed': expected an integer in "
                                 f"[0, 9223372036854775807], got {seed}")
    assert load_scenario(write(tmp_path, "ok.toml", f"seed = {2**63 - 1}\n")).seed == 2**63 - 1


def test_a_scenario_with_no_cadres_is_an_error(tmp_path):
    text = "".join(f"[organisation.{group}]\ncount = 0\n"
                   for group in ("organs", "frontline", "key_projects"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "none.toml", text))
    assert str(caught.value) == ("none.toml line 1, key 'organisation': the organisation has no "
                                 "cadres: give some unit group a count and an establishment "
                                 "above 0")


def test_a_model_copy_with_no_cadres_fails_clearly_in_the_model():
    from scenarios.schema import UnitGroup
    from sim import CadreModel

    base = Scenario()
    empty = base.organisation.model_copy(update={g: UnitGroup(count=0) for g in
                                                 ("organs", "frontline", "key_projects")})
    with pytest.raises(ValueError, match="the organisation has no cadres"):
        CadreModel(base.model_copy(update={"organisation": empty}), rng=1)


def test_a_county_of_100_000_cadres_is_still_allowed(tmp_path):
    text = "[organisation.frontline]\ncount = 2500\nestablishment = 40\n"
    assert load_scenario(write(tmp_path, "big.toml", text)).organisation.cadre_count() == 100_270


def test_a_scenario_too_large_for_memory_is_refused_with_an_estimate(tmp_path):
    text = "[organisation.frontline]\ncount = 1000000\nestablishment = 1000000\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "huge.toml", text))
    assert str(caught.value) == (
        "huge.toml line 1, key 'organisation': the organisation is too large: "
        "1,000,000,000,270 cadres and 3,000,028 posts would need about 54,004,504,015 GB of "
        "memory, more than 64 GB: make it smaller")


def test_up_to_twenty_problems_are_reported_with_their_lines(tmp_path):
    text = "".join(f"[policy.block{i}]\nx = 1\n" for i in range(25))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "many.toml", text))
    error = caught.value
    assert len(error.errors) == 20
    assert str(error).splitlines()[1].startswith("many.toml line 3, key 'policy.block1': ")
    clone = pickle.loads(pickle.dumps(error))
    assert str(clone) == str(error) and len(clone.errors) == 20


def test_every_non_finite_number_is_reported(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "nan.toml", "[behaviour]\ntransfer = nan\n"
                                                  "inertia = inf\n"))
    assert str(caught.value).splitlines() == [
        "nan.toml line 2, key 'behaviour.transfer': expected a finite number, got nan",
        "nan.toml line 3, key 'behaviour.inertia': expected a finite number, got inf"]


# --------------------------------------------------------------------------- worlds and packages


def test_a_world_and_a_package_compose(tmp_path):
    write(tmp_path, "w.toml", "[organisation.frontline]\ncount = 3\n")
    write(tmp_path, "p.toml", "[policy.tolerance]\nexcuse_rate = 0.7\n")
    scenario = load_scenario(write(tmp_path, "both.toml",
                                   'world = "w.toml"\npackage = "p.toml"\nyears = 4\n'))
    assert scenario.organisation.frontline.count == 3
    assert scenario.policy.tolerance.excuse_rate == 0.7
    assert scenario.years == 4


def test_a_bare_world_or_package_name_is_a_bundled_one(tmp_path):
    scenario = load_scenario(write(tmp_path, "mine.toml",
                                   'world = "ordos"\npackage = "zhangdian"\n'))
    assert scenario.organisation == load_scenario("ordos").organisation
    assert scenario.policy == load_scenario("zhangdian").policy


@pytest.mark.parametrize(("layer", "text", "message"), [
    ("world", "[policy.bonus]\namount = 1.0\n",
     "w.toml line 1, key 'policy': a world file holds only organisation, population, behaviour, "
     "history (and name, description, description_zh, extends)"),
    ("package", "[organisation.frontline]\ncount = 1\n",
     "w.toml line 1, key 'organisation': a package file holds only policy (and name, "
     "description, description_zh, extends)"),
    ("world", 'package = "p.toml"\n',
     "w.toml line 1, key 'package': a world file holds only organisation, population, "
     "behaviour, history (and name, description, description_zh, extends)"),
])
def test_a_world_or_package_file_holds_only_its_blocks(tmp_path, layer, text, message):
    write(tmp_path, "w.toml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "s.toml", f'{layer} = "w.toml"\n'))
    assert str(caught.value) == message


def test_a_world_that_includes_its_scenario_is_a_cycle(tmp_path):
    write(tmp_path, "w.toml", 'extends = "s.toml"\n')
    with pytest.raises(ScenarioError, match=r"^w\.toml, key 'extends': extends cycle: s\.toml -> "
                                            r"w\.toml -> s\.toml$"):
        load_scenario(write(tmp_path, "s.toml", 'world = "w.toml"\n'))


def test_an_unknown_world_lists_the_bundled_ones(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario("ordos", world="atlantis")
    assert str(caught.value).startswith("atlantis: no such world file 'atlantis' (bundled "
                                        "worlds: baseline, ordos,")


def test_on_another_world_only_the_policy_and_settings_are_the_scenarios():
    moved = load_scenario("ordos", world="baseline")
    ordos, baseline = load_scenario("ordos"), load_scenario("baseline")
    assert moved.policy == ordos.policy and moved.name == "ordos"
    assert moved.organisation == baseline.organisation
    assert moved.behaviour == baseline.behaviour and moved.history == baseline.history


# --------------------------------------------------------------------------- values


def test_with_values_sets_and_validates():
    base = load_scenario("baseline")
    tolerant = base.with_values({"policy.tolerance.excuse_rate": 0.6,
                                 "organisation.frontline.posts.1": 3, "years": 20})
    assert tolerant.policy.tolerance.excuse_rate == 0.6
    assert tolerant.organisation.frontline.posts == {1: 3, 2: 1}
    assert tolerant.years == 20
    assert base.policy.tolerance.excuse_rate == 0.0  # unchanged
    assert tolerant.policy.promotion == base.policy.promotion


@pytest.mark.parametrize(("values", "match"), [
    ({"years": -5}, "years"),
    ({"policy.tolerence.excuse_rate": 0.5}, "tolerence"),
    ({"policy.tolerance.excuse_rate.x": 0.5}, "is a value, not a table"),
    ({"organisation.frontline.posts.1": 3, "organisation.frontline.posts.01": 4},
     "sets the same value as"),
    ({"seed": 2**64}, "seed"),
    ({"policy..x": 1}, "expected a dotted path"),
])
def test_with_values_refuses_what_model_copy_would_accept(values, match):
    with pytest.raises(ValueError, match=match):
        Scenario().with_values(values)


def test_load_scenario_with_values_names_the_set_origin(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario("ordos", values={"policy.bonus.amount": -1.0})
    assert str(caught.value) == ("ordos.toml, key 'policy.bonus.amount' (set in --set): "
                                 "expected a number in [0, 1000000], got -1.0")
    assert load_scenario("ordos", values={"policy.bonus.amount": 2.0}).policy.bonus.amount == 2.0


def test_a_named_world_replaces_the_parents_world_whole(tmp_path):
    child = write(tmp_path, "child.toml", 'extends = "ordos"\nworld = "baseline"\n'
                                          "[organisation.organs]\ncount = 3\n")
    scenario = load_scenario(child)
    baseline, ordos = load_scenario("baseline"), load_scenario("ordos")
    assert scenario.organisation.key_projects == baseline.organisation.key_projects
    assert scenario.organisation.frontline == baseline.organisation.frontline
    assert scenario.organisation.organs.count == 3  # the file's own keys merge on top
    assert scenario.policy == ordos.policy

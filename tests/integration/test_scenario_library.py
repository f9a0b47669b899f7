"""The bundled scenario library: every file loads, documents itself, and validates by CLI.

Each seed place is a world (``worlds/<place>.toml``) and a policy package
(``packages/<place>.toml``) that compose into the combined scenario
``<place>.toml``; any package runs on any world. The model is not run here (the
contract tests over every bundled scenario do that).
"""

from __future__ import annotations

import re
import tomllib

import pytest

from experiments.catalogue.command import first_sentence, run_scenarios_list, run_validate
from scenarios import SCENARIO_DIR, list_scenarios, load_scenario, resolved_toml, scenario_hash
from scenarios.loader import PACKAGE_DIR, WORLD_DIR
from scenarios.schema import WORLD_BLOCKS, OrganisationKind, Policy, PromotionRule

BUNDLED = sorted(SCENARIO_DIR.glob("*.toml"))
CALIBRATED = ["suizhou_hitech", "tengzhou", "yangzhou_eco", "zhangdian", "ordos"]
PLACES = ["baseline", *CALIBRATED]
REQUIRED = [*PLACES, "peter_principle"]
LAYER_FILES = sorted([*WORLD_DIR.glob("*.toml"), *PACKAGE_DIR.glob("*.toml")])


def raw(name: str) -> dict:
    return tomllib.loads((SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8"))


def test_the_library_holds_the_required_scenarios():
    assert set(REQUIRED) <= {path.stem for path in BUNDLED}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_file_loads_under_its_own_name_with_a_description(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description.strip()
    assert scenario.description_zh.strip()  # the compare report in Chinese shows it
    assert raw(path.stem).get("name") == path.stem  # named explicitly, not by the stem fallback


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_file_opens_with_a_header_comment(path):
    assert path.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_file_resolves_to_a_standalone_toml(path, tmp_path):
    scenario = load_scenario(path)
    standalone = tmp_path / path.name
    standalone.write_text(resolved_toml(scenario), encoding="utf-8")
    assert load_scenario(standalone) == scenario


def test_list_scenarios_lists_every_bundled_file():
    entries = list_scenarios()
    assert [path for _, path, _ in entries] == BUNDLED
    assert [name for name, _, _ in entries] == [path.stem for path in BUNDLED]


def test_baseline_writes_out_every_policy_value():
    policy = tomllib.loads((PACKAGE_DIR / "baseline.toml").read_text(encoding="utf-8"))["policy"]
    for block, field in Policy.model_fields.items():
        missing = set(field.annotation.model_fields) - set(policy.get(block, {}))
        assert not missing, (f"packages/baseline.toml documents the old rules: add "
                             f"[policy.{block}] {', '.join(sorted(missing))} with its old-rules "
                             f"value")


@pytest.mark.parametrize("name", PLACES)
def test_each_place_is_a_world_and_a_package(name):
    assert raw(name)["world"] == f"worlds/{name}.toml"
    assert raw(name)["package"] == f"packages/{name}.toml"
    world = tomllib.loads((WORLD_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    package = tomllib.loads((PACKAGE_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    assert set(world) - {"name", "description", "description_zh", "extends"} <= set(WORLD_BLOCKS)
    assert set(package) - {"name", "description", "description_zh", "extends"} == {"policy"}
    if name != "baseline":
        assert world["extends"] == package["extends"] == "baseline.toml"


@pytest.mark.parametrize("path", LAYER_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_world_and_package_file_documents_itself(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {path.parent.name}/{path.stem}: ")
    assert tomllib.loads(text)["name"] == path.stem


@pytest.mark.parametrize("package", PLACES)
@pytest.mark.parametrize("world", ["baseline", "ordos"])
def test_any_package_runs_on_any_world(package, world):
    scenario = load_scenario(package, world=world)
    place, on = load_scenario(package), load_scenario(world)
    assert scenario.policy == place.policy
    for block in WORLD_BLOCKS:
        assert getattr(scenario, block) == getattr(on, block)


def test_baseline_is_the_old_rules():
    policy = load_scenario("baseline").policy
    assert policy.promotion.rule is PromotionRule.SENIORITY
    assert policy.tolerance.excuse_rate == 0
    assert policy.bonus.top_share == 0 and policy.subsidy.frontline_premium == 0
    assert policy.unit_pressure.bottom_units == 0
    assert policy.demotion.bottom_share == policy.recall.bottom_share == 0
    assert policy.rotation.share == 0 and policy.establishment.added_frontline == 0


@pytest.mark.parametrize("name", CALIBRATED)
def test_each_calibrated_scenario_changes_the_baseline_policy(name):
    scenario, baseline = load_scenario(name), load_scenario("baseline")
    changed = [block for block in Policy.model_fields
               if getattr(scenario.policy, block) != getattr(baseline.policy, block)]
    assert changed, f"{name} applies no policy of its own"


@pytest.mark.parametrize("name", CALIBRATED)
def test_each_calibrated_scenario_is_a_modest_county(name):
    organisation = load_scenario(name).organisation
    assert organisation.kind is OrganisationKind.COUNTY
    groups = (organisation.organs, organisation.frontline, organisation.key_projects)
    assert 150 <= sum(g.count * g.establishment for g in groups) <= 1500


_NUMBER_LINE = re.compile(r"^\s*[A-Za-z_][\w]*\s*=\s*[-+\d\[{]")


@pytest.mark.parametrize("path", LAYER_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_number_in_a_world_or_package_says_where_it_comes_from(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    bare = [line for line in lines if _NUMBER_LINE.match(line) and "#" not in line]
    assert not bare, f"{path.name}: give these a source comment (article and figure, or " \
                     f"'modelling assumption'): {bare}"


def test_suizhou_has_48_administrative_slots():
    organs = load_scenario("suizhou_hitech").organisation.organs
    assert organs.count * organs.establishment == 48


def test_ordos_town_income_premium_is_20_percent():
    assert load_scenario("ordos").policy.subsidy.frontline_premium == 0.2


def test_peter_principle_is_the_pluchino_pyramid():
    peter = load_scenario("peter_principle")
    assert peter.organisation.kind is OrganisationKind.PYRAMID
    assert peter.organisation.pyramid_levels == [81, 41, 21, 11, 5, 1]
    assert not peter.behaviour.enabled
    assert peter.policy.promotion.rule is PromotionRule.BEST
    assert (peter.behaviour.transfer, peter.behaviour.transfer_noise) == (0.0, 1.0)
    assert (peter.years, peter.population.retirement_age) == (1000, 60)
    common_sense = load_scenario("peter_common_sense")
    assert common_sense.behaviour.transfer == 1.0
    assert common_sense.model_copy(update={
        "name": peter.name, "description": peter.description,
        "description_zh": peter.description_zh, "behaviour": peter.behaviour}) == peter


# --------------------------------------------------------------------------- commands


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_validate_accepts_every_bundled_file(path, capsys):
    assert run_validate(path) == 0
    out, err = capsys.readouterr()
    digest = scenario_hash(load_scenario(path))[:12]
    assert out == f"ok: {path.stem} ({digest})\n"
    assert err == ""


def test_validate_rejects_a_broken_file_with_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text('extends = "baseline.toml"\n[policy.tolerance]\nexcuse_rate = 1.5\n',
                      encoding="utf-8")
    assert run_validate(broken) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("youwei: error: broken.toml line 3, key 'policy.tolerance.excuse_rate': "
                   "expected a number in [0, 1], got 1.5\n")


def test_validate_reports_every_problem_of_a_file_at_once(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text('extends = "baseline.toml"\nyears = 0\n[policy.tolerance]\n'
                      'excuse_rate = 1.5\ndiscrimination = -1.0\n[policy.bonnus]\n'
                      'amount = 1.0\n', encoding="utf-8")
    assert run_validate(broken) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "youwei: error: broken.toml line 2, key 'years': expected an integer in [1, 10000], "
        "got 0",
        "youwei: error: broken.toml line 4, key 'policy.tolerance.excuse_rate': expected a "
        "number in [0, 1], got 1.5",
        "youwei: error: broken.toml line 5, key 'policy.tolerance.discrimination': expected a "
        "number in [0, 1], got -1.0",
        "youwei: error: broken.toml line 6, key 'policy.bonnus': unknown key (did you mean "
        "'bonus'? allowed: " + ", ".join(Policy.model_fields) + ")",
    ]


def test_validate_reports_at_most_twenty_problems(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("".join(f"[policy.block{i}]\nx = 1\n" for i in range(30)),
                      encoding="utf-8")
    assert run_validate(broken) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 20


def test_validate_rejects_bad_toml_with_its_line(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("years = 3\nseed = \n", encoding="utf-8")
    assert run_validate(broken) == 2
    _, err = capsys.readouterr()
    assert err.startswith("youwei: error: broken.toml line 2: invalid TOML (")
    assert err.count("\n") == 1


def test_scenarios_lists_one_line_per_scenario(capsys):
    assert run_scenarios_list() == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert err == ""
    assert [line.split()[0] for line in lines] == [path.stem for path in BUNDLED]
    for line, (_, _, description) in zip(lines, list_scenarios(), strict=True):
        assert line.endswith(first_sentence(description))


@pytest.mark.parametrize(("text", "sentence"), [
    ("One. Two.", "One."),
    ("Pluchino et al. (Physica A 389 (2010) 467-472): a pyramid. More.",
     "Pluchino et al. (Physica A 389 (2010) 467-472): a pyramid."),
    ("Levers, e.g. bonus, vary. Next.", "Levers, e.g. bonus, vary."),
    ("Premium 0.2 for towns; no stop", "Premium 0.2 for towns; no stop"),
    ("随州高新区:竞岗选将。区镇一体化。", "随州高新区:竞岗选将。"),
    ("Two\n  lines. Next", "Two lines."),
])
def test_first_sentence(text, sentence):
    assert first_sentence(text) == sentence

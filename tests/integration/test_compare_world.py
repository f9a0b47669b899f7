"""``youwei compare`` runs policy packages on one world by default, and says which."""

from __future__ import annotations

import pytest

from experiments import cli
from experiments.simulation.compare_cmd import comparison_manifest, plan_comparison
from scenarios import load_scenario
from scenarios.schema import WORLD_BLOCKS


def plan(sources, **kwargs):
    return plan_comparison(sources, replications=2, years=2, seed=1, **kwargs)


def test_packages_are_compared_on_one_world():
    compared = plan(["baseline", "ordos", "zhangdian"], world="baseline")
    baseline = load_scenario("baseline")
    assert compared.world == "baseline"
    for scenario in compared.scenarios:
        for block in WORLD_BLOCKS:
            assert getattr(scenario, block) == getattr(baseline, block)
    assert [s.policy for s in compared.scenarios] == [
        load_scenario(name).policy for name in ("baseline", "ordos", "zhangdian")]
    assert comparison_manifest(compared, None)["world"] == "baseline"


def test_without_a_world_each_scenario_keeps_its_own():
    compared = plan(["baseline", "ordos"])
    assert compared.world is None
    assert compared.scenarios[1].organisation == load_scenario("ordos").organisation


def test_set_values_apply_to_every_scenario():
    compared = plan(["baseline", "ordos"], world="ordos",
                    values={"behaviour.sanction_cost": 2.0})
    assert compared.world == "ordos"
    assert [s.behaviour.sanction_cost for s in compared.scenarios] == [2.0, 2.0]
    assert compared.scenarios[0].organisation == load_scenario("ordos").organisation


def test_the_cli_defaults_to_the_baseline_world_and_own_keeps_each(tmp_path):
    parser = cli.build_parser()
    worlds = [parser.parse_args(["compare", "baseline", "ordos", "--out", str(tmp_path),
                                 *extra]).world
              for extra in ([], ["--world", "own"], ["--world", "ordos"])]
    assert worlds == ["baseline", None, "ordos"]


@pytest.mark.parametrize(("world", "message"), [
    ("atlantis", "youwei: error: atlantis: no such world file 'atlantis' (bundled worlds: "),
])
def test_an_unknown_world_is_one_line_and_exit_2(tmp_path, capsys, world, message):
    code = cli.main(["compare", "baseline", "ordos", "--world", world,
                     "--out", str(tmp_path / "out")])
    assert code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_the_report_names_the_world_the_packages_ran_on(tmp_path):
    out = tmp_path / "out"
    code = cli.main(["compare", "baseline", "zhangdian", "--world", "ordos", "--replications", "2",
                     "--years", "2", "--workers", "1", "--lang", "zh", "--out", str(out)])
    assert code == 0
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "所有方案在同一基础情景（ordos）上运行" in report

"""``run_analyze`` on small finished sweeps: Sobol', Morris and PAWN indices on replicate
means, their convergence and warnings, tables, figures and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol

from experiments.sweep.analyze import CONF_LEVEL, RESAMPLES, trust_warnings, usable
from experiments.sweep.command import run_analyze, run_sweep
from experiments.sweep.designs import salib_problem
from experiments.sweep.engine import ANALYSIS, DESIGN, MANIFEST, RUNS, UNIT_PREFIX
from tests.scenario_fixtures import SMALL_COUNTY

SMALL = SMALL_COUNTY

# Two parameters: the promotion rule, which shapes effort (merit links effort to promotion),
# and the utility of a bonus, which cannot matter: the baseline pays no bonus.
# bonus_cost is 0 in every run: an output without variance.
HEAD = """\
scenario = "small.toml"
years = 3
seed = 5
replications = 2
outputs = ["mean_effort", "efficiency", "bonus_cost"]

[parameters]
"policy.promotion.rule" = { levels = ["seniority", "merit"] }
"policy.bonus.utility_per_amount" = { range = [0.0, 1.0] }
"""
DESIGNS = {
    "sobol": HEAD + '[design]\nmethod = "sobol"\nsamples = 8\n',          # 32 points
    "morris": HEAD + '[design]\nmethod = "morris"\nsamples = 6\n',        # 18 points
    "lhs": HEAD.replace("replications = 2", "replications = 1")
    + '[design]\nmethod = "lhs"\nsamples = 6\n',
}
ANALYSED = ["mean_effort", "efficiency"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sweeps")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    done = {}
    for name, text in DESIGNS.items():
        spec = folder / f"{name}.toml"
        spec.write_text(text, encoding="utf-8")
        out = folder / name
        assert run_sweep(spec, out=out, workers=1, scheduler=None, resume=False) == 0
        done[name] = out
    return done


@pytest.fixture(scope="module")
def analysed(sweeps) -> dict[str, Path]:
    for name, folder in sweeps.items():
        assert run_analyze(folder, command=["youwei", "analyze", name]) == 0
    return {name: folder / ANALYSIS for name, folder in sweeps.items()}


def replicate_means(folder: Path) -> pd.DataFrame:
    runs = pd.read_parquet(folder / RUNS)
    return runs.groupby("sample")[ANALYSED].mean().sort_index()


def test_sobol_indices_are_salibs_on_the_replicate_means(sweeps, analysed):
    table = pd.read_csv(analysed["sobol"] / "sobol.csv")
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["output"].unique()) == ANALYSED  # bonus_cost is constant: left out
    means = replicate_means(sweeps["sobol"])
    assert len(means) == 32
    problem = salib_problem(["policy.promotion.rule", "policy.bonus.utility_per_amount"])
    for output in ANALYSED:
        expected = salib_sobol.analyze(problem, means[output].to_numpy(), calc_second_order=False,
                                       num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=5)
        rows = table[table["output"] == output]
        for column in ("S1", "S1_conf", "ST", "ST_conf"):
            assert rows[column].to_numpy() == pytest.approx(expected[column], rel=1e-9)


def test_morris_indices_are_salibs_on_the_replicate_means(sweeps, analysed):
    table = pd.read_csv(analysed["morris"] / "morris.csv")
    assert list(table.columns) == ["output", "parameter", "mu", "mu_star", "mu_star_conf",
                                   "sigma"]
    design = pd.read_parquet(sweeps["morris"] / DESIGN)
    names = ["policy.promotion.rule", "policy.bonus.utility_per_amount"]
    unit = design[[UNIT_PREFIX + name for name in names]].to_numpy()
    means = replicate_means(sweeps["morris"])
    for output in ANALYSED:
        expected = salib_morris.analyze(salib_problem(names), unit, means[output].to_numpy(),
                                        num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                                        num_levels=4, seed=5)
        rows = table[table["output"] == output]
        assert rows["mu_star"].to_numpy() == pytest.approx(np.asarray(expected["mu_star"]))
        assert rows["sigma"].to_numpy() == pytest.approx(np.asarray(expected["sigma"]))
    assert (table["mu_star"] >= table["mu"].abs() - 1e-12).all()


def test_morris_ranks_the_promotion_rule_above_an_inert_parameter(analysed):
    # With no bonus paid, its utility cannot change effort: its elementary effects are the
    # seeds' noise only (each point of a trajectory runs from its own seeds). Merit promotion
    # raises effort, so it ranks above; with 6 trajectories x 2 replications of a 58-cadre
    # county the two intervals may overlap (the analysis then warns), so only the ranking
    # is asserted.
    table = pd.read_csv(analysed["morris"] / "morris.csv").set_index(["output", "parameter"])
    rule = table.loc[("mean_effort", "policy.promotion.rule")]
    inert = table.loc[("mean_effort", "policy.bonus.utility_per_amount")]
    assert rule["mu_star"] > inert["mu_star"]


def test_replicate_means_table_and_record(sweeps, analysed):
    means = pd.read_csv(analysed["sobol"] / "replicate_means.csv")
    assert list(means.columns) == ["sample", "policy.promotion.rule",
                                   "policy.bonus.utility_per_amount", "mean_effort",
                                   "efficiency", "bonus_cost",
                                   "finished_replications"]
    assert (means["finished_replications"] == 2).all()
    record = json.loads((analysed["sobol"] / "analysis.json").read_text(encoding="utf-8"))
    manifest = json.loads((sweeps["sobol"] / MANIFEST).read_text(encoding="utf-8"))
    assert record["sweep"]["sha256"] == manifest["sweep"]["sha256"]
    assert record["method"] == "sobol" and record["conf_level"] == CONF_LEVEL
    assert record["skipped"] == {"bonus_cost": "constant over the design: every index is 0 or "
                                               "undefined"}
    assert record["command"] == ["youwei", "analyze", "sobol"]


@pytest.mark.parametrize(("design", "figures"), [
    ("sobol", ["sobol_mean_effort.png", "sobol_efficiency.png"]),
    ("morris", ["morris_mean_effort.png", "morris_efficiency.png"]),
    ("lhs", ["pawn_mean_effort.png", "pawn_efficiency.png"]),
])
def test_figures_are_written(analysed, design, figures):
    scatter = [f"scatter_{output}.png" for output in [*ANALYSED, "bonus_cost"]]
    for name in [*figures, *scatter]:
        assert (analysed[design] / name).read_bytes()[:8] == PNG_MAGIC
    record = json.loads((analysed[design] / "analysis.json").read_text(encoding="utf-8"))
    assert sorted(record["files"]) == sorted(p.name for p in analysed[design].iterdir())


def test_a_latin_hypercube_gets_pawn_indices_and_a_warning_on_its_size(sweeps, analysed,
                                                                       capsys):
    assert run_analyze(sweeps["lhs"]) == 0
    printed = capsys.readouterr().out
    assert "warning: PAWN on 6 points" in printed
    table = pd.read_csv(analysed["lhs"] / "pawn.csv")
    assert list(table.columns) == ["output", "parameter", "median", "minimum", "maximum", "CV"]
    assert list(table["output"].unique()) == ANALYSED
    assert ((table["minimum"] <= table["median"]) & (table["median"] <= table["maximum"])).all()
    assert table[["minimum", "maximum"]].stack().between(0, 1).all()
    assert not (analysed["lhs"] / "sobol.csv").exists()


def test_convergence_recomputes_the_indices_on_a_quarter_and_a_half_of_the_design(analysed):
    convergence = pd.read_csv(analysed["sobol"] / "convergence.csv")
    assert list(convergence.columns) == ["output", "parameter", "n", "S1", "ST"]
    assert sorted(convergence["n"].unique()) == [2, 4, 8]  # N = 8 base samples
    full = convergence[convergence["n"] == 8].reset_index(drop=True)
    sobol = pd.read_csv(analysed["sobol"] / "sobol.csv")
    np.testing.assert_allclose(full[["S1", "ST"]], sobol[["S1", "ST"]], rtol=1e-12)
    morris = pd.read_csv(analysed["morris"] / "convergence.csv")
    assert sorted(morris["n"].unique()) == [3, 6]  # 6 trajectories: 6 // 4 = 1 is too few


def test_trust_warnings_name_unresolved_negative_and_unsettled_indices():
    indices = pd.DataFrame({
        "output": ["y", "y", "y"], "parameter": ["a", "b", "c"],
        "S1": [0.50, 0.02, -0.20], "S1_conf": [0.05, 0.10, 0.05],
        "ST": [0.60, 0.05, 0.01], "ST_conf": [0.05, 0.01, 0.005],
    })
    convergence = pd.DataFrame({
        "output": ["y"] * 6, "parameter": ["a", "b", "c"] * 2, "n": [4, 4, 4, 8, 8, 8],
        "S1": [0.20, 0.02, -0.20, 0.50, 0.02, -0.20], "ST": [0.60, 0.05, 0.01] * 2,
    })
    notes = trust_warnings(indices, convergence)
    assert any(n.startswith("S1 of b on y = 0.020: its interval (±0.100) is wider")
               for n in notes)
    assert any(n.startswith("S1 of c on y = -0.200 is negative beyond its interval")
               for n in notes)
    assert any(n.startswith("S1 of a on y moved by 0.300 between 4 and 8") for n in notes)
    assert len(notes) == 3


def test_analysing_again_gives_the_same_tables(sweeps, analysed):
    before = (analysed["sobol"] / "sobol.csv").read_bytes()
    assert run_analyze(sweeps["sobol"]) == 0
    assert (analysed["sobol"] / "sobol.csv").read_bytes() == before


def test_a_folder_that_is_not_a_finished_sweep_is_one_line_exit_2(sweeps, tmp_path, capsys):
    assert run_analyze(tmp_path / "nothing") == 2
    assert "expected a sweep folder, got nothing (no such folder)" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run_analyze(tmp_path / "empty") == 2
    assert "found no manifest.json" in capsys.readouterr().err
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    manifest = json.loads((sweeps["lhs"] / MANIFEST).read_text(encoding="utf-8"))
    manifest["status"] = "running"
    (unfinished / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert run_analyze(unfinished) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "the sweep is not finished (status 'running'): finish it with youwei sweep" in error


def test_outputs_without_indices_say_why():
    assert usable(np.array([0.1, 0.2, 0.4])) is None
    assert usable(np.array([0.1, np.nan, np.nan])) == (
        "undefined at 2 of 3 points (no finished replication, or the output is never "
        "defined there)")
    assert usable(np.zeros(4)).startswith("constant over the design")

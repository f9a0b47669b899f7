"""``run_analyze`` on small finished sweeps: Sobol' and Morris indices on replicate means,
tables, figures and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol

from experiments.sweep.analyze import CONF_LEVEL, RESAMPLES, usable
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
    # seeds' noise only. Merit promotion raises effort; the intervals must not overlap.
    table = pd.read_csv(analysed["morris"] / "morris.csv").set_index(["output", "parameter"])
    rule = table.loc[("mean_effort", "policy.promotion.rule")]
    inert = table.loc[("mean_effort", "policy.bonus.utility_per_amount")]
    assert rule["mu_star"] - rule["mu_star_conf"] > inert["mu_star"] + inert["mu_star_conf"]


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
    ("lhs", []),
])
def test_figures_are_written(analysed, design, figures):
    scatter = [f"scatter_{output}.png" for output in [*ANALYSED, "bonus_cost"]]
    for name in [*figures, *scatter]:
        assert (analysed[design] / name).read_bytes()[:8] == PNG_MAGIC
    record = json.loads((analysed[design] / "analysis.json").read_text(encoding="utf-8"))
    assert sorted(record["files"]) == sorted(p.name for p in analysed[design].iterdir())


def test_a_design_without_indices_says_so(sweeps, analysed, capsys):
    assert run_analyze(sweeps["lhs"]) == 0
    printed = capsys.readouterr().out
    assert "a lhs design has no sensitivity indices (use sobol or morris)" in printed
    assert not (analysed["lhs"] / "sobol.csv").exists()


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

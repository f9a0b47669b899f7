"""``youwei run`` end to end on a small scenario file: outputs, provenance, seeds, errors."""

import json
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from experiments.common.figures import FIGURE_FILES
from experiments.simulation.run import DATA_FILES, PROVENANCE_COLUMNS, run_run
from scenarios import load_scenario, scenario_hash
from sim.metrics import COUNTY_REPORTERS
from tests.scenario_fixtures import SMALL_COUNTY

# The baseline rules on a small county (2 organs x 10, 3 towns x 10, 1 project x 8 = 58
# cadres) for 3 years: a few seconds for every test here together.
SMALL = SMALL_COUNTY
MOVE_COLUMNS = ["year", "cadre_id", "reason", "from_unit", "to_unit", "rank", "post"]
ERROR_COLUMNS = ["year", "cadre_id", "unit", "honest", "detected", "classified_honest",
                 "outcome", "severity"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_dir(scenario_file, tmp_path_factory) -> Path:
    """One run with the default years and seed, and the command line recorded."""
    out = tmp_path_factory.mktemp("runs") / "small"
    command = ["youwei", "run", str(scenario_file), "--out", str(out)]
    assert run_run(str(scenario_file), years=None, seed=None, out=out, plot=False,
                   command=command) == 0
    return out


def run(scenario_file: Path, out: Path, *options: str) -> int:
    return main(["run", str(scenario_file), "--out", str(out), *options])


def hidden(folder: Path) -> list[str]:
    """Temporary folders the atomic writer may have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_run_writes_every_file_with_its_columns(run_dir):
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(DATA_FILES)
    series = pd.read_parquet(run_dir / "series.parquet")
    assert list(series.columns[:3]) == list(PROVENANCE_COLUMNS)
    assert set(COUNTY_REPORTERS) <= set(series.columns)
    assert series["year"].tolist() == [1, 2, 3]
    assert (series["scenario"] == "small_county").all()
    assert (series["seed"] == 5).all()
    assert series["scenario_hash"].str.fullmatch("[0-9a-f]{64}").all()
    csv = pd.read_csv(run_dir / "series.csv")
    pd.testing.assert_frame_equal(csv, series, check_dtype=False)

    cadres = pd.read_parquet(run_dir / "cadres.parquet")
    assert {"id", "unit", "unit_name", "unit_kind", "rank", "post", "effort"} <= set(cadres.columns)
    assert len(cadres) == series["headcount"].iloc[-1]
    assert cadres["id"].is_unique
    moves = pd.read_csv(run_dir / "moves.csv")
    assert set(MOVE_COLUMNS) <= set(moves.columns)
    assert set(moves["year"]) <= {1, 2, 3}
    errors = pd.read_csv(run_dir / "errors.csv")
    assert set(ERROR_COLUMNS) <= set(errors.columns)


def test_manifest_records_the_resolved_scenario_and_software(run_dir, scenario_file, tmp_path):
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    scenario = manifest["scenario"]
    assert scenario["name"] == "small_county"
    assert scenario["source"] == str(scenario_file)
    assert manifest["seed"] == 5 and manifest["years"] == 3
    assert scenario["resolved"]["organisation"]["frontline"]["count"] == 3
    assert manifest["command"] == ["youwei", "run", str(scenario_file), "--out", str(run_dir)]
    assert {"python", "youwei", "numpy", "mesa", "highspy"} <= set(manifest["software"])
    assert manifest["files"] == list(DATA_FILES)
    series = pd.read_csv(run_dir / "series.csv")
    assert (series["scenario_hash"] == scenario["sha256"]).all()
    # The resolved TOML is standalone: it loads back to the scenario that was run.
    resolved = tmp_path / "resolved.toml"
    resolved.write_text(scenario["resolved_toml"], encoding="utf-8")
    assert scenario_hash(load_scenario(resolved)) == scenario["sha256"]
    assert scenario_hash(load_scenario(scenario_file)) == scenario["sha256"]


def test_console_summary(scenario_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert run(scenario_file, out) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("scenario small_county (")
    assert "mean effort" in printed.out and "year 1" in printed.out and "year 3" in printed.out
    assert f"wrote {out}" in printed.out
    assert printed.err == ""


def test_same_seed_same_series_bytes_and_different_seed_differs(scenario_file, tmp_path):
    paths = {name: tmp_path / name for name in ("a", "b", "c")}
    assert run(scenario_file, paths["a"], "--seed", "11") == 0
    assert run(scenario_file, paths["b"], "--seed", "11") == 0
    assert run(scenario_file, paths["c"], "--seed", "12") == 0
    same = [(paths[n] / "series.csv").read_bytes() for n in ("a", "b")]
    assert same[0] == same[1]
    assert (paths["a"] / "moves.csv").read_bytes() == (paths["b"] / "moves.csv").read_bytes()
    assert (paths["c"] / "series.csv").read_bytes() != same[0]
    assert pd.read_csv(paths["c"] / "series.csv")["seed"].eq(12).all()


def test_years_override(scenario_file, tmp_path):
    out = tmp_path / "run"
    assert run(scenario_file, out, "--years", "2") == 0
    assert pd.read_csv(out / "series.csv")["year"].tolist() == [1, 2]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["years"] == 2
    assert manifest["scenario"]["resolved"]["years"] == 2


def test_plot_writes_the_figures(scenario_file, tmp_path):
    out = tmp_path / "run"
    assert run(scenario_file, out, "--plot") == 0
    for name in FIGURE_FILES:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC, name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == [*DATA_FILES, *FIGURE_FILES]


def test_a_previous_run_is_replaced(scenario_file, tmp_path):
    out = tmp_path / "run"
    assert run(scenario_file, out, "--plot") == 0
    assert run(scenario_file, out, "--years", "1") == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(DATA_FILES)
    assert len(pd.read_csv(out / "series.csv")) == 1
    assert hidden(tmp_path) == []


@pytest.mark.parametrize(("text", "message"), [
    ('extends = "baseline.toml"\n[policy.tolerance]\nexcuse_rate = 1.5\n',
     "bad.toml line 3, key 'policy.tolerance.excuse_rate'"),
    ('extends = "baseline.toml"\n[policy.tolerence]\nexcuse_rate = 0.5\n',
     "bad.toml line 2, key 'policy.tolerence'"),
    ("years = = 3\n", "bad.toml line 1"),
])
def test_bad_scenario_is_one_line_exit_2_nothing_written(tmp_path, capsys, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    assert run(path, out) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.startswith(f"youwei: error: {message}")
    assert printed.err.count("\n") == 1
    assert not out.exists()
    assert hidden(tmp_path) == []


def test_missing_scenario_is_one_line_exit_2(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(tmp_path / "missing.toml", out) == 2
    err = capsys.readouterr().err
    assert err.startswith("youwei: error: missing.toml") and err.count("\n") == 1
    assert not out.exists()


def test_out_folder_with_other_files_is_refused(scenario_file, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert run(scenario_file, out) == 2
    err = capsys.readouterr().err
    assert err.startswith("youwei: error: mine: holds files youwei did not write (notes.txt")
    assert err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_bad_years_given_to_the_function(scenario_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert run_run(str(scenario_file), years=0, seed=None, out=out, plot=False) == 2
    assert capsys.readouterr().err == "youwei: error: --years: expected an integer in " \
                                      "[1, 10000], got 0\n"
    assert not out.exists()

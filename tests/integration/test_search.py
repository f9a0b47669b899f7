"""``youwei search`` end to end on a small county: Pareto table, report, resume, bad specs."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from tests.processes import kill_when
from tests.scenario_fixtures import SMALL_COUNTY, write

pytest.importorskip("optuna")

SPEC = """\
name = "small_search"
world = "small.toml"
years = 2
seed = 5
replications = 1
worlds = 2
trials = 8
batch = 4

[levers]
"policy.tolerance.excuse_rate" = { range = [0.0, 1.0] }
"policy.promotion.rule" = { levels = ["seniority", "merit"] }
"policy.bonus.top_share" = { range = [0.0, 0.3] }
"policy.bonus.amount" = { range = [0.0, 2.0] }

[uncertainties]
"behaviour.sanction_cost" = { range = [2.5, 7.5] }

[objectives.mean_effort]
direction = "max"

[objectives.punished_honest_share]
direction = "min"

[budget]
cost = "total_cost"
max = 5.0
"""


KILL_SCRIPT = """\
import sys
from pathlib import Path

from experiments.search.command import run_search

if __name__ == "__main__":
    sys.exit(run_search(Path(sys.argv[1]), out=Path(sys.argv[2]), workers=2, lang="en"))
"""


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("search_spec")
    write(folder, "small.toml", SMALL_COUNTY)
    spec = write(folder, "search.toml", SPEC)
    out = tmp_path_factory.mktemp("search") / "out"
    assert main(["search", str(spec), "--out", str(out), "--workers", "1"]) == 0
    return spec, out


def test_the_search_writes_every_candidate_and_the_pareto_set(searched):
    _, out = searched
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 8
    assert {"policy.tolerance.excuse_rate", "policy.promotion.rule", "mean_effort",
            "mean_effort:ci_low", "mean_effort:ci_high", "cost", "feasible",
            "pareto"} <= set(trials.columns)
    assert trials["policy.tolerance.excuse_rate"].between(0, 1).all()
    assert (trials["feasible"] == (trials["cost"] <= 5.0)).all()
    for name in ("mean_effort", "punished_honest_share"):  # bounded in [0, 1]: so are the CIs
        assert trials[f"{name}:ci_low"].dropna().ge(0).all()
        assert trials[f"{name}:ci_high"].dropna().le(1).all()
    front = pd.read_csv(out / "pareto.csv")
    assert len(front) == trials["pareto"].sum() >= 1
    assert front["feasible"].all()
    # No feasible candidate dominates a member of the front.
    feasible = trials[trials["feasible"]]
    for _, row in front.iterrows():
        better = ((feasible["mean_effort"] >= row["mean_effort"])
                  & (feasible["punished_honest_share"] <= row["punished_honest_share"])
                  & ((feasible["mean_effort"] > row["mean_effort"])
                     | (feasible["punished_honest_share"] < row["punished_honest_share"])))
        assert not better.any()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert report.index("摘要") < report.index("帕累托前沿")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["youwei_output"] == "search"


def test_a_resume_keeps_the_candidates_and_a_rerun_is_refused(searched, capsys):
    spec, out = searched
    before = pd.read_csv(out / "trials.csv")
    assert main(["search", str(spec), "--out", str(out), "--workers", "1", "--resume"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "trials.csv"), before)
    capsys.readouterr()
    assert main(["search", str(spec), "--out", str(out), "--workers", "1"]) == 2
    assert "add --resume" in capsys.readouterr().err


@pytest.mark.parametrize(("change", "expected"), [
    (('"policy.bonus.top_share" = {', '"policy.bonus.top_shar" = {'),
     "search.toml, key 'levers.\"policy.bonus.top_shar\"': unknown lever"),
    (('"policy.tolerance.excuse_rate" = { range = [0.0, 1.0] }',
      '"policy.tolerance.excuse_rate" = { range = [1.0, 0.0] }'),
     "search.toml, key 'levers.\"policy.tolerance.excuse_rate\".range': expected low < high"),
    (("[objectives.punished_honest_share]", "[objectives.reverse_punishment]"),
     "search.toml, key 'objectives.reverse_punishment': unknown objective"),
    (('cost = "total_cost"', 'cost = "subsidy_cost"'),
     "search.toml, key 'budget.cost': neither the package nor the levers searched have "
     "subsidy_cost"),
])
def test_a_bad_spec_is_one_line_exit_2(tmp_path, capsys, change, expected):
    assert change[0] in SPEC
    write(tmp_path, "small.toml", SMALL_COUNTY)
    spec = write(tmp_path, "search.toml", SPEC.replace(*change))
    out = tmp_path / "out"
    assert main(["search", str(spec), "--out", str(out), "--workers", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"youwei: error: {expected}"), error
    assert error.count("\n") == 1 and not out.exists()


def complete_trials(study: Path) -> int:
    """Complete trials in an optuna SQLite storage another process is writing (0 before
    its tables exist)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{study}?mode=ro", uri=True,
                                                timeout=0.1)) as db:
            return db.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'"
                              ).fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="kills a process group")
def test_a_search_killed_with_sigkill_then_resumed_gives_the_uninterrupted_trials(tmp_path):
    write(tmp_path, "small.toml", SMALL_COUNTY)
    spec = write(tmp_path, "search.toml", SPEC.replace("trials = 8", "trials = 24"))
    whole = tmp_path / "whole"
    assert main(["search", str(spec), "--out", str(whole), "--workers", "1"]) == 0
    out = tmp_path / "killed"
    script = write(tmp_path, "search_script.py", KILL_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(spec), str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    kill_when(process, lambda: complete_trials(out / "study.db") >= 4,  # the first batch told
              120, "finished candidate")
    assert not (out / "trials.csv").exists(), "finished before it was killed"
    assert 4 <= complete_trials(out / "study.db") < 24
    assert main(["search", str(spec), "--out", str(out), "--workers", "1", "--resume"]) == 0
    for name in ("trials.csv", "pareto.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name

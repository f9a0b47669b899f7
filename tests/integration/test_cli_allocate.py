"""``youwei allocate`` end to end on real files: exit codes, outputs, one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.allocation.report import MOVE_COLUMNS
from experiments.cli import main

# Post p1 is worth twice a candidate's score, a rank slot once: the optimum gives
# p1 to a1 (2 * 90) and the rank slots to a2 (80, into rank 2) and a3 (60, into
# rank 1), total 320; giving p1 to a2 instead totals 310. a3 (rank 0) may not take p1.
CANDIDATES = """\
id,unit,rank,age,years_in_grade,score,frontline
a1,镇街甲,1,32,3,90,1
a2,区直乙,1,48,3,80,0
a3,镇街甲,0,29,1,60,1
"""
POSTS = "id,unit,level,min_rank,weight,must_fill\np1,区直乙,1,1,2,0\n"
POOLS = "pool,rank,headroom\n科级,1,1\n科级,2,1\n"
RULES = "[targets]\nyoung_age_max = 35\n"
# A must-fill post nobody reaches (level 3 needs rank 5): infeasible as stated.
POSTS_INFEASIBLE = POSTS + "p9,园区丙,3,5,1,1\n"
EXPECTED_MOVES = [["a1", "post", "p1", ""], ["a2", "rank", "科级", "2"],
                  ["a3", "rank", "科级", "1"]]


def write_inputs(folder: Path, **texts: str) -> list[str]:
    """Write the input files and return the ``allocate`` arguments naming them."""
    contents = {"candidates": CANDIDATES, "posts": POSTS, "pools": POOLS, "rules": RULES,
                **texts}
    args = ["allocate"]
    for role, text in contents.items():
        path = folder / f"{role}.{'toml' if role == 'rules' else 'csv'}"
        path.write_text(text, encoding="utf-8")
        args += [f"--{role}", str(path)]
    return args


def read_moves(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "proposal.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


def read_summary(out: Path) -> dict:
    return json.loads((out / "proposal.json").read_text(encoding="utf-8"))


def leftovers(folder: Path) -> list[str]:
    """Temporary folders the atomic writer may have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_optimal_allocation_writes_the_three_files(tmp_path, capsys):
    out = tmp_path / "result"
    assert main([*write_inputs(tmp_path), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["proposal.csv", "proposal.json", "report.md"]
    moves = read_moves(out)
    assert tuple(moves.columns) == MOVE_COLUMNS
    assert moves[["candidate", "kind", "target", "rank_to"]].values.tolist() == EXPECTED_MOVES
    assert moves["young"].tolist() == ["1", "0", "1"]
    summary = read_summary(out)
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(320.0)
    assert summary["n_moves"] == {"post": 1, "rank": 2}
    assert summary["provenance"]["command"][:2] == ["youwei", "allocate"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Allocation proposal")
    assert "| a1 | 镇街甲 | yes | yes | post p1 (区直乙, level 1) | 180.00 |" in report
    printed = capsys.readouterr()
    assert "status: optimal" in printed.out
    assert f"wrote {out}" in printed.out
    assert printed.err == ""


def test_subprocess_run(tmp_path):
    out = tmp_path / "result"
    done = subprocess.run(
        [sys.executable, "-m", "experiments.cli", *write_inputs(tmp_path), "--out", str(out)],
        capture_output=True, text=True, encoding="utf-8", cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert read_moves(out)[["candidate", "kind", "target", "rank_to"]].values.tolist() \
        == EXPECTED_MOVES
    assert read_summary(out)["status"] == "optimal"
    assert (out / "report.md").is_file()


def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "result"
    bad = CANDIDATES.replace("a2,区直乙,1,48,", "a2,区直乙,1,abc,")
    assert main([*write_inputs(tmp_path, candidates=bad), "--out", str(out)]) == 2
    printed = capsys.readouterr()
    assert printed.err == (
        "youwei: error: candidates.csv line 3, column 'age': expected an integer >= 0, "
        "got 'abc'\n"
    )
    assert printed.out == ""
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_infeasible_rules_give_a_relaxed_proposal(tmp_path, capsys):
    out = tmp_path / "result"
    assert main([*write_inputs(tmp_path, posts=POSTS_INFEASIBLE), "--out", str(out)]) == 3
    summary = read_summary(out)
    assert summary["status"] == "relaxed"
    assert any("p9" in r["text"] for r in summary["relaxations"])
    report = (out / "report.md").read_text(encoding="utf-8")
    rules_section = report.split("## Rules that cannot be met")[1].split("## ")[0]
    assert "p9" in rules_section
    assert "rules that cannot be met" in capsys.readouterr().out


def test_rerun_replaces_a_previous_proposal(tmp_path):
    out = tmp_path / "result"
    assert main([*write_inputs(tmp_path, posts=POSTS_INFEASIBLE), "--out", str(out)]) == 3
    assert main([*write_inputs(tmp_path), "--out", str(out), "--export-lp"]) == 0
    assert read_summary(out)["status"] == "optimal"
    assert "Maximize" in (out / "model.lp").read_text(encoding="utf-8")
    assert leftovers(tmp_path) == []


def test_out_folder_with_other_files_is_refused(tmp_path, capsys):
    out = tmp_path / "result"
    out.mkdir()
    (out / "notes.txt").write_text("keep", encoding="utf-8")
    assert main([*write_inputs(tmp_path), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "youwei: error: result: expected a new or empty folder for --out (or one holding a "
        "previous proposal), got a folder holding other files (notes.txt)\n"
    )
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_pulp_backend_reaches_the_same_allocation(tmp_path):
    out = tmp_path / "result"
    assert main([*write_inputs(tmp_path), "--out", str(out), "--backend", "pulp"]) == 0
    summary = read_summary(out)
    assert summary["backend"] == "pulp"
    assert summary["objective"] == pytest.approx(320.0)
    assert read_moves(out)[["candidate", "kind", "target", "rank_to"]].values.tolist() \
        == EXPECTED_MOVES


def test_help_documents_the_exit_codes(capsys):
    assert main(["allocate", "--help"]) == 0
    text = capsys.readouterr().out
    assert "exit codes:" in text
    assert "5  no feasible proposal found" in text


def test_bad_time_limit_is_a_usage_error(tmp_path, capsys):
    code = main([*write_inputs(tmp_path), "--out", str(tmp_path / "r"), "--time-limit", "-1"])
    assert code == 2
    assert "expected a number of seconds > 0, got '-1'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()

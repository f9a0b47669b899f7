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


OUTPUTS = ["proposal.csv", "proposal.json", "proposal.xlsx", "report.html",
           "report.md"]


def test_optimal_allocation_writes_the_proposal_files(tmp_path, capsys):
    out = tmp_path / "result"
    assert main([*write_inputs(tmp_path), "--out", str(out), "--lang", "en"]) == 0
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    moves = read_moves(out)
    assert tuple(moves.columns) == (*MOVE_COLUMNS, "target_title")
    assert moves[["candidate", "kind", "target", "rank_to"]].values.tolist() == EXPECTED_MOVES
    assert moves["young"].tolist() == ["1", "0", "1"]
    summary = read_summary(out)
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(320.0)
    assert summary["n_moves"] == {"post": 1, "rank": 2}
    assert summary["provenance"]["command"][:2] == ["youwei", "allocate"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Allocation proposal (draft)")
    assert "| 1 | a1 |  | 镇街甲 | 一级科员 | 区直乙 (副科, p1) | 90.00 | 180.00 |" in report
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
    rules_section = report.split("## 未能满足的规则")[1].split("## ")[0]
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
        "youwei: error: result: holds files youwei did not write (notes.txt; it has no "
        "proposal.json of a youwei proposal): choose another --out, or move them away\n"
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


# --------------------------------------------------------------------------- the Chinese proposal

# Two equally good ways to fill two posts of weight 1 (b1 and b2 score the same): a tie.
TIE_CANDIDATES = """\
编号,姓名,性别,单位,职级,年龄,任现职级年限,考核得分
b1,张三,女,镇街甲,一级科员,32,3,80
b2,李四,男,区直乙,一级科员,40,3,80
b3,王五,男,区直乙,一级科员,41,3,50
"""
TIE_POSTS = "岗位编号,岗位名称,单位,层级,最低职级\nq1,副镇长,镇街甲,副科,一级科员\n" \
            "q2,副局长,区直乙,副科,一级科员\n"
TIE_POOLS = "职级池,职级,职数\n科级,四级主任科员,0\n"


def tie_inputs(folder: Path, **texts: str) -> list[str]:
    return write_inputs(folder, candidates=TIE_CANDIDATES, posts=TIE_POSTS, pools=TIE_POOLS,
                        **texts)


def test_default_chinese_proposal_with_shortlist_alternatives_and_ties(tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "result"
    args = [*tie_inputs(tmp_path), "--out", str(out), "--shortlist", "2", "--alternatives", "2"]
    assert main(args) == 0
    assert "姓名, 性别" in capsys.readouterr().err  # the notice names the carried columns
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# 干部调配方案（草案）")
    assert "集体讨论决定" in report
    assert "本方案是若干同样好的方案之一" in report
    for heading in ("## 调配建议", "## 备选方案", "## 差额考察对象建议名单", "## 适用的规则",
                    "## 计分办法", "## 数据来源"):
        assert heading in report
    assert "| 方案二 | 160.00 | 0.00 |" in report
    assert "张三（b1）" in report and "| 女 |" in report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "Noto Sans CJK SC" in html
    book = load_workbook(out / "proposal.xlsx", read_only=True)
    assert book.sheetnames == ["调配建议", "差额名单", "备选方案", "说明"]
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True) if row and row[0]]
    assert notes[:2] == ["干部调配方案（草案）", (
        "本方案为组织部门按既定规则测算形成的草案，供党委（党组）集体讨论决定，不代替集体决策；"
        "考察、公示等程序仍按规定执行。")]
    assert any(str(n).startswith("价值 = 考核得分") for n in notes)
    book.close()
    shortlist = pd.read_csv(out / "shortlist.csv", dtype=str, encoding="utf-8-sig")
    assert shortlist.groupby("post").size().tolist() == [2, 2]
    for column in ("value", "loss"):  # rounded for people; exact values stay in proposal.csv
        assert all(len(v.partition(".")[2]) <= 2 for v in shortlist[column].dropna())
    summary = read_summary(out)
    assert [a["loss"] for a in summary["alternatives"]] == [0.0, 30.0]


def test_explain_forces_a_candidate_in_and_prints_the_cost(tmp_path, capsys):
    out = tmp_path / "result"
    assert main([*tie_inputs(tmp_path), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["explain", str(out), "--candidate", "b3", "--post", "q2"]) == 0
    printed = capsys.readouterr().out
    assert "王五（b3）" in printed and "副局长" in printed
    assert "方案总价值由 160.00 变为 130.00（减少 30.00）" in printed
    assert main(["explain", str(out), "--candidate", "b1", "--out-of", "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "(30.00 less)" in printed and "王五 (b3)" in printed


def test_explain_refuses_changed_inputs_and_unknown_ids(tmp_path, capsys):
    out = tmp_path / "result"
    args = tie_inputs(tmp_path)
    assert main([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["explain", str(out), "--candidate", "zz"]) == 2
    assert capsys.readouterr().err == (
        "youwei: error: --candidate: no candidate 'zz' in the proposal's input files\n")
    (tmp_path / "posts.csv").write_text(TIE_POSTS + "q3,局长,区直乙,正科,一级科员\n",
                                        encoding="utf-8")
    assert main(["explain", str(out), "--candidate", "b1"]) == 2
    assert "changed since the proposal was made" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "text", "expected"), [
    ("--conflicts", "a,b,kind\nb1,x7,same_unit\n",
     "conflicts.csv line 2, column 'b': expected a candidate id, or the cadre's unit in column "
     "b_unit, got 'x7'"),
    ("--locks", "candidate,target,lock\nb9,q1,must\n",
     "locks.csv line 2, column 'candidate': expected a candidate id from the candidates file, "
     "got 'b9'"),
    ("--teams", "单位,性别\n镇街丙,女\n",
     "teams.csv line 2, column '单位': expected a unit of the candidates or posts file, "
     "got '镇街丙'"),
])
def test_bad_regulation_file_is_one_line_and_writes_nothing(tmp_path, capsys, option, text,
                                                            expected):
    path = tmp_path / f"{option[2:]}.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "result"
    assert main([*tie_inputs(tmp_path), option, str(path), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"youwei: error: {expected}"
    assert not out.exists() and leftovers(tmp_path) == []


def test_composition_rule_over_a_carried_column(tmp_path):
    # at least one man among the two posts: b2 (男) already takes one, nothing changes;
    # at least two women: only b1 is one, the shortfall of 1 is reported (exit 3).
    rules = '[[composition]]\nattribute = "性别"\nvalue = "女"\nmin_count = 2\n'
    out = tmp_path / "result"
    assert main([*tie_inputs(tmp_path, rules=rules), "--out", str(out)]) == 3
    relaxations = read_summary(out)["relaxations"]
    assert [(r["rule"], r["shortfall"]) for r in relaxations] == [("composition", 1.0)]
    assert "差 1 人" in (out / "report.md").read_text(encoding="utf-8")


def test_explain_names_why_a_candidate_is_not_eligible(tmp_path, capsys):
    out = tmp_path / "result"
    candidates = TIE_CANDIDATES.replace("b3,王五,男,区直乙,一级科员,41,3,50",
                                        "b3,王五,男,区直乙,二级科员,41,3,50")
    args = write_inputs(tmp_path, candidates=candidates, posts=TIE_POSTS, pools=TIE_POOLS)
    assert main([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["explain", str(out), "--candidate", "b3", "--post", "q1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "不可行：不具备该岗位任职资格（现职级 二级科员 低于岗位最低职级 一级科员）。")

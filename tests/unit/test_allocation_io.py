"""Reading the allocation input files (validation messages) and writing a proposal."""

import hashlib
import json
import pickle
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.allocation.display import empty_display
from experiments.allocation.document import build_document
from experiments.allocation.io import read_allocation_files, read_allocation_inputs
from experiments.allocation.output import write_proposal
from experiments.allocation.render import render_markdown
from experiments.allocation.report import MOVE_COLUMNS
from experiments.allocation.tables import InputErrors
from experiments.common.errors import InputError
from optimize.proposal import (
    Backend,
    Explanation,
    MoveKind,
    Moves,
    PostOutcome,
    Price,
    Proposal,
    Relaxation,
    ShareOutcome,
    SolveStatus,
)
from optimize.rules import Mobility

CANDIDATES = """\
id,unit,rank,age,years_in_grade,score,post_level,frontline,hardship,blocked,pool
c1,镇街甲,1,30,3,90,0,1,1.5,0,A
c2,区直乙,2,45,4.5,85.25,1,0,,0,B
c3,镇街甲,0,28,2.5,70,,1,1,,A
"""
POSTS = """\
id,unit,level,min_rank,weight,must_fill
p1,区直乙,1,1,2,1
p2,园区丙,2,2,,0
"""
POOLS = """\
pool,rank,headroom
A,1,2
A,2,1
B,3,0
"""
FIT = """\
candidate,post,fit
c1,p2,0.5
c3,p1,1.25
"""
RULES = """\
[targets]
young_share_min = 0.3

[eligibility]
mobility = "within_unit"
min_years_post = { 1 = 1.5 }
"""
TEXTS = {"candidates": CANDIDATES, "posts": POSTS, "pools": POOLS, "fit": FIT, "rules": RULES}
NAMES = {"candidates": "candidates.csv", "posts": "posts.csv", "pools": "pools.csv",
         "fit": "fit.csv", "rules": "rules.toml"}


def write_inputs(folder: Path, **texts: str | bytes | None) -> dict[str, Path | None]:
    """Write the valid input set with some files replaced (``None`` = not given)."""
    paths: dict[str, Path | None] = {}
    for role, default in TEXTS.items():
        content = texts.get(role, default)
        if content is None:
            paths[role] = None
            continue
        path = folder / NAMES[role]
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths[role] = path
    return paths


def read(folder: Path, **texts: str | bytes | None):
    p = write_inputs(folder, **texts)
    return read_allocation_inputs(p["candidates"], p["posts"], p["pools"], p["rules"], p["fit"])


def message(folder: Path, **texts: str | bytes | None) -> str:
    with pytest.raises(InputError) as caught:
        read(folder, **texts)
    text = str(caught.value)
    assert "\n" not in text
    return text


def replace_line(text: str, line: int, new: str) -> str:
    """``text`` with its 1-based ``line`` replaced (the header is line 1)."""
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- happy path


def test_reads_the_arrays_codes_and_defaults(tmp_path):
    problem, provenance = read(tmp_path)
    c, p, q, f = problem.candidates, problem.posts, problem.pools, problem.fit
    assert problem.unit_names == ("镇街甲", "区直乙", "园区丙")
    assert problem.pool_names == ("A", "B")
    assert c.id.tolist() == ["c1", "c2", "c3"]
    np.testing.assert_array_equal(c.unit, [0, 1, 0])
    np.testing.assert_array_equal(c.rank, [1, 2, 0])
    np.testing.assert_array_equal(c.age, [30, 45, 28])
    np.testing.assert_array_equal(c.years_in_grade, [3.0, 4.5, 2.5])
    np.testing.assert_array_equal(c.score, [90.0, 85.25, 70.0])
    np.testing.assert_array_equal(c.post_level, [0, 1, 0])  # empty cell -> 0
    np.testing.assert_array_equal(c.frontline, [True, False, True])
    np.testing.assert_array_equal(c.hardship, [1.5, 1.0, 1.0])  # empty cell -> 1
    np.testing.assert_array_equal(c.blocked, [False, False, False])
    np.testing.assert_array_equal(c.pool, [0, 1, 0])
    assert p.id.tolist() == ["p1", "p2"]
    np.testing.assert_array_equal(p.unit, [1, 2])
    np.testing.assert_array_equal(p.level, [1, 2])
    np.testing.assert_array_equal(p.min_rank, [1, 2])
    np.testing.assert_array_equal(p.weight, [2.0, 1.0])
    np.testing.assert_array_equal(p.must_fill, [True, False])
    np.testing.assert_array_equal(q.pool, [0, 0, 1])
    np.testing.assert_array_equal(q.rank, [1, 2, 3])
    np.testing.assert_array_equal(q.headroom, [2, 1, 0])
    np.testing.assert_array_equal(f.candidate, [0, 2])
    np.testing.assert_array_equal(f.post, [1, 0])
    np.testing.assert_array_equal(f.fit, [0.5, 1.25])
    assert problem.rules.targets.young_share_min == 0.3
    assert problem.rules.eligibility.mobility is Mobility.WITHIN_UNIT
    assert problem.rules.eligibility.min_years_post == {1: 1.5}
    inputs = provenance["inputs"]
    assert inputs["candidates"] == {
        "file": "candidates.csv", "rows": 3, "encoding": "utf-8",
        "path": str((tmp_path / "candidates.csv").resolve()),
        "sha256": hashlib.sha256((tmp_path / "candidates.csv").read_bytes()).hexdigest(),
    }
    assert inputs["rules"]["sha256"] == hashlib.sha256(RULES.encode()).hexdigest()
    assert inputs["fit"]["rows"] == 2


def test_bom_crlf_spaces_and_blank_rows_are_accepted(tmp_path):
    messy = "\ufeff" + CANDIDATES.replace(",", " , ").replace("\n", "\r\n") + ",,,,,,,,,,\r\n\r\n"
    problem, _ = read(tmp_path, candidates=messy.encode("utf-8"))
    assert problem.candidates.id.tolist() == ["c1", "c2", "c3"]
    assert problem.unit_names[0] == "镇街甲"


def test_ids_and_unit_names_stay_text(tmp_path):
    candidates = CANDIDATES.replace("c1,镇街甲", "007,101").replace("\nc3,镇街甲", "\n7,101")
    problem, _ = read(tmp_path, candidates=candidates, fit=None)
    assert problem.candidates.id.tolist() == ["007", "c2", "7"]
    assert problem.unit_names[:2] == ("101", "区直乙")


def test_rules_and_fit_are_optional(tmp_path):
    problem, provenance = read(tmp_path, rules=None, fit=None)
    assert problem.rules.targets.young_share_min == 0.0
    assert len(problem.fit.fit) == 0
    assert provenance["inputs"]["rules"] is None and provenance["inputs"]["fit"] is None


def test_a_single_pool_needs_no_pool_column(tmp_path):
    candidates = "\n".join(line.rsplit(",", 1)[0] for line in CANDIDATES.splitlines()) + "\n"
    problem, _ = read(tmp_path, candidates=candidates, pools="pool,rank,headroom\n科级,1,3\n")
    np.testing.assert_array_equal(problem.candidates.pool, [0, 0, 0])
    assert problem.pool_names == ("科级",)


def test_fifty_thousand_candidates_read_quickly(tmp_path):
    paths = write_inputs(tmp_path)
    n = 50_000
    rng = np.random.default_rng(0)
    pd.DataFrame({
        "id": [f"c{i}" for i in range(n)], "unit": rng.choice(["镇街甲", "区直乙"], n),
        "rank": rng.integers(0, 4, n), "age": rng.integers(25, 60, n),
        "years_in_grade": rng.uniform(0, 9, n), "score": rng.uniform(0, 100, n),
        "frontline": rng.integers(0, 2, n), "pool": rng.choice(["A", "B"], n),
    }).to_csv(paths["candidates"], index=False)
    start = time.perf_counter()
    problem, _ = read_allocation_inputs(paths["candidates"], paths["posts"], paths["pools"],
                                        paths["rules"], paths["fit"])
    assert time.perf_counter() - start < 2.0
    assert problem.n_candidates == n


# --------------------------------------------------------------------------- bad CSV input


def test_missing_file(tmp_path):
    paths = write_inputs(tmp_path)
    with pytest.raises(InputError, match=r"^posts\.csv: file not found: .*nowhere[/\\]posts\.csv$"):
        read_allocation_inputs(paths["candidates"], tmp_path / "nowhere" / "posts.csv",
                               paths["pools"], None, None)


def test_missing_required_column(tmp_path):
    posts = "id,unit,level,weight\np1,区直乙,1,2\n"
    assert message(tmp_path, posts=posts) == (
        "posts.csv line 1: missing required column 'min_rank' (最低职级) (required: id, unit, "
        "level, min_rank)"
    )


def test_unknown_columns_are_kept_and_named_in_a_notice(tmp_path):
    paths = write_inputs(tmp_path, candidates=CANDIDATES.replace("pool\n", "pool,姓名\n", 1)
                         .replace(",A\n", ",A,张三\n", 1))
    inputs = read_allocation_files(paths["candidates"], paths["posts"], paths["pools"])
    assert inputs.display.name.tolist() == ["张三", "", ""]
    assert inputs.display.candidate_columns["姓名"].tolist() == ["张三", "", ""]
    assert inputs.notices == ("candidates.csv: extra columns kept and carried into the "
                              "outputs: 姓名",)


def test_column_named_twice(tmp_path):
    assert message(tmp_path, pools="pool,rank,rank,headroom\nA,1,1,2\n") == (
        "pools.csv line 1, column 'rank': column appears twice in the header"
    )


def test_non_integer(tmp_path):
    candidates = replace_line(CANDIDATES, 4, "c3,镇街甲,0,abc,2.5,70,,1,1,,A")
    assert message(tmp_path, candidates=candidates) == (
        "candidates.csv line 4, column 'age': expected an integer >= 0, got 'abc'"
    )


def test_fraction_where_an_integer_is_expected(tmp_path):
    posts = replace_line(POSTS, 3, "p2,园区丙,2.5,2,,0")
    assert message(tmp_path, posts=posts) == (
        "posts.csv line 3, column 'level': expected an integer >= 1 or a level name from "
        "rules.toml [names], got '2.5'"
    )


def test_negative(tmp_path):
    candidates = replace_line(CANDIDATES, 3, "c2,区直乙,2,45,-1,85.25,1,0,,0,B")
    assert message(tmp_path, candidates=candidates) == (
        "candidates.csv line 3, column 'years_in_grade': expected a number >= 0, got '-1'"
    )


@pytest.mark.parametrize(
    ("role", "line", "row", "expected"),
    [
        ("candidates", 2, "c1,镇街甲,1,30,3,90,0,1,0.5,0,A",
         "candidates.csv line 2, column 'hardship': expected a number >= 1, got '0.5'"),
        ("candidates", 2, "c1,镇街甲,1,30,3,90,0,maybe,1.5,0,A",
         "candidates.csv line 2, column 'frontline': expected 0 or 1 (or 是/否), got 'maybe'"),
        ("posts", 2, "p1,区直乙,1,1,0,1",
         "posts.csv line 2, column 'weight': expected a number > 0, got '0'"),
        ("posts", 3, "p2,园区丙,0,2,,0",
         "posts.csv line 3, column 'level': expected an integer >= 1, got '0'"),
        ("pools", 4, "B,0,0",
         "pools.csv line 4, column 'rank': expected an integer >= 1, got '0'"),
    ],
)
def test_out_of_range(tmp_path, role, line, row, expected):
    assert message(tmp_path, **{role: replace_line(TEXTS[role], line, row)}) == expected


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity", "1e999", "1,5"])
def test_nan_inf_and_non_numbers_are_errors(tmp_path, bad):
    candidates = replace_line(CANDIDATES, 2, f'c1,镇街甲,1,30,3,"{bad}",0,1,1.5,0,A')
    assert message(tmp_path, candidates=candidates) == (
        f"candidates.csv line 2, column 'score': expected a number >= 0, got {bad!r}"
    )


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ("c3,,0,28,2.5,70,,1,1,,A", "unit", "a non-empty text"),
        ("c3,镇街甲,,28,2.5,70,,1,1,,A", "rank",
         "an integer >= 0 or a rank name from rules.toml [names]"),
    ],
)
def test_empty_required_cell(tmp_path, row, column, expected):
    candidates = replace_line(CANDIDATES, 4, row)
    assert message(tmp_path, candidates=candidates) == (
        f"candidates.csv line 4, column {column!r}: expected {expected}, got an empty cell"
    )


def test_line_numbers_count_blank_lines(tmp_path):
    candidates = CANDIDATES + "\n\nc4,镇街甲,0,x,1,1,,,,,A\n"
    assert message(tmp_path, candidates=candidates).startswith(
        "candidates.csv line 7, column 'age': expected an integer"
    )


def test_duplicate_id(tmp_path):
    candidates = CANDIDATES + "c1,区直乙,0,33,1,50,0,0,1,0,B\n"
    assert message(tmp_path, candidates=candidates) == (
        "candidates.csv line 5, column 'id': expected a unique id, got id 'c1' again "
        "(first on line 2)"
    )


def test_duplicate_pool_rank(tmp_path):
    pools = POOLS + "A,2,5\n"
    assert message(tmp_path, pools=pools) == (
        "pools.csv line 5, column 'pool': expected a unique (pool, rank) pair, got pool 'A', "
        "rank 2 again (first on line 3)"
    )


def test_unknown_pool(tmp_path):
    candidates = replace_line(CANDIDATES, 3, "c2,区直乙,2,45,4.5,85.25,1,0,,0,Z")
    assert message(tmp_path, candidates=candidates) == (
        "candidates.csv line 3, column 'pool': expected a pool listed in pools.csv (A, B), "
        "got 'Z'"
    )


def test_pool_column_required_with_several_pools(tmp_path):
    candidates = "\n".join(line.rsplit(",", 1)[0] for line in CANDIDATES.splitlines()) + "\n"
    assert message(tmp_path, candidates=candidates) == (
        "candidates.csv line 1: missing column 'pool' (职级池): required because pools.csv lists "
        "2 pools (A, B)"
    )


@pytest.mark.parametrize(
    ("role", "content", "expected"),
    [
        ("candidates", CANDIDATES.splitlines()[0] + "\n",
         "candidates.csv: expected at least one candidate row below the header, got no data rows"),
        ("posts", "", "posts.csv: expected a header line naming the columns, got an empty file"),
    ],
)
def test_empty_files(tmp_path, role, content, expected):
    assert message(tmp_path, **{role: content}) == expected


def test_unknown_candidate_in_fit(tmp_path):
    assert message(tmp_path, fit=FIT + "c9,p1,1\n") == (
        "fit.csv line 4, column 'candidate': expected an id from candidates.csv, got 'c9'"
    )


def test_unknown_post_in_fit(tmp_path):
    assert message(tmp_path, fit=FIT + "c2,p7,1\n") == (
        "fit.csv line 4, column 'post': expected an id from posts.csv, got 'p7'"
    )


def test_duplicate_pair_in_fit(tmp_path):
    assert message(tmp_path, fit=FIT + "c1,p2,0.9\n") == (
        "fit.csv line 4, column 'candidate': expected a unique (candidate, post) pair, got "
        "candidate 'c1', post 'p2' again (first on line 2)"
    )


def test_ragged_row(tmp_path):
    assert message(tmp_path, posts=POSTS + "p3,区直乙,1,1,1,0,extra\n") == (
        "posts.csv line 4: expected 6 cells (as many as the header), got 7"
    )


def test_gbk_is_read_and_named_in_the_provenance(tmp_path):
    problem, provenance = read(tmp_path, candidates=CANDIDATES.encode("gbk"))
    assert problem.unit_names[0] == "镇街甲"
    assert provenance["inputs"]["candidates"]["encoding"] == "gb18030"


def test_neither_utf8_nor_gb18030(tmp_path):
    text = message(tmp_path, candidates=CANDIDATES.encode("utf-8") + b"c4,\xff\xff\n")
    assert text.startswith("candidates.csv line 5: expected UTF-8 or GB18030/GBK text")


# --------------------------------------------------------------------------- bad rules.toml


def test_toml_syntax_error(tmp_path):
    assert message(tmp_path, rules="[targets]\nyoung_share_min = \n") == (
        "rules.toml line 2: expected valid TOML, got: invalid value (character 19)"
    )


def test_unknown_rules_key(tmp_path):
    assert message(tmp_path, rules="[targets]\nfoo = 1\n") == (
        "rules.toml, key 'targets.foo': unknown key (allowed: young_age_max, "
        "young_share_min, frontline_share_min)"
    )


def test_unknown_rules_table(tmp_path):
    assert message(tmp_path, rules="[target]\nyoung_share_min = 0.2\n") == (
        "rules.toml, key 'target': unknown key (allowed: eligibility, targets, weights, limits, "
        "names, composition, team)"
    )


def test_a_rule_that_contradicts_itself_is_one_line(tmp_path):
    rules = ('[[composition]]\nattribute = "gender"\nvalue = "女"\nover = "all"\n'
             'min_count = 1\nlevels = [3]\n')
    assert message(tmp_path, rules=rules) == (
        "rules.toml, key 'composition.0': levels counts post appointments only: "
        'use over = "posts"')


def test_out_of_range_rules_value(tmp_path):
    assert message(tmp_path, rules="[targets]\nyoung_share_min = 1.5\n") == (
        "rules.toml, key 'targets.young_share_min': expected a number <= 1, got 1.5"
    )


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[targets]\nyoung_age_max = "old"\n',
         "rules.toml, key 'targets.young_age_max': expected an integer, got 'old'"),
        ('[targets]\nyoung_share_min = "0.3"\n',
         "rules.toml, key 'targets.young_share_min': expected a number, got '0.3'"),
        ('[eligibility]\nmobility = "everywhere"\n',
         "rules.toml, key 'eligibility.mobility': expected one of 'unified' or "
         "'within_unit', got 'everywhere'"),
        ("targets = 3\n", "rules.toml, key 'targets': expected a table, got 3"),
        ("[eligibility]\nmin_years_post = { x = 2 }\n",
         "rules.toml, key 'eligibility.min_years_post.x': expected an integer as the key "
         "(a level or rank), got 'x'"),
    ],
)
def test_wrong_type_in_rules(tmp_path, toml, expected):
    assert message(tmp_path, rules=toml) == expected


def test_input_error_fields_survive_pickling():
    error = InputError("data/candidates.csv", "an integer", row=7, column="age", got="'abc'")
    assert str(error) == "candidates.csv line 7, column 'age': expected an integer, got 'abc'"
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert (copy.file, copy.row, copy.column, copy.expected) == (
        "candidates.csv", 7, "age", "an integer")


# --------------------------------------------------------------------------- writing


def hand_made_proposal(status=SolveStatus.OPTIMAL) -> Proposal:
    """c1 takes post p2, c3 is promoted in pool-rank row 0 (A, rank 1)."""
    moves = Moves(
        candidate=np.array([0, 2]), kind=(MoveKind.POST, MoveKind.RANK),
        target=np.array([1, 0]), value=np.array([1 / 3, 70.0]), score=np.array([90.0, 70.0]),
        frontline_factor=np.array([1.0, 1.0]), hardship_factor=np.array([1.0, 1.0]),
        weight=np.array([1.0, 1.0]), fit=np.array([0.5, 1.0]),
    )
    return Proposal(
        status=status, moves=moves, objective=70 + 1 / 3, bound=float("inf"), gap=0.0,
        solve_seconds=0.01, backend=Backend.FAST, method="mip", n_variables=5,
        n_constraints=4,
        prices=(Price("pool", 1, "A:rank2", 0.0, False, text="pool A rank 2 is slack"),
                Price("pool", 0, "A:rank1", 2.0, True, text="One more slot in pool A is worth 2")),
        relaxations=(Relaxation("must_fill", 0, 1.0, "must-fill post p1 is left vacant"),),
        explanation=Explanation(
            posts=(PostOutcome(1, 0, 45.0, 1, 40.0, 5.0, "close call"),),
            shares=(ShareOutcome("young_share_min", 1.0, 0.3, 1, 1),),
        ),
    )


def test_written_files_hold_every_move_and_round_trip_floats(tmp_path):
    problem, provenance = read(tmp_path)
    out = tmp_path / "out"
    write_proposal(out, problem, hand_made_proposal(SolveStatus.RELAXED), provenance)
    assert sorted(p.name for p in out.iterdir()) == [
        "proposal.csv", "proposal.json", "proposal.xlsx", "report.html", "report.md"]
    table = pd.read_csv(out / "proposal.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    assert tuple(table.columns) == (*MOVE_COLUMNS, "target_title")
    where = ["candidate", "kind", "target", "target_unit", "level", "rank_to"]
    assert table[where].values.tolist() == [["c1", "post", "p2", "园区丙", "2", ""],
                                            ["c3", "rank", "A", "", "", "1"]]
    assert float(table["value"][0]) == 1 / 3
    assert table[["unit", "frontline", "young", "age"]].values.tolist() == [
        ["镇街甲", "1", "1", "30"], ["镇街甲", "1", "1", "28"]]
    summary = json.loads((out / "proposal.json").read_text(encoding="utf-8"))
    assert summary["status"] == "relaxed"
    assert summary["bound"] is None  # inf is not JSON
    assert summary["n_moves"] == {"post": 1, "rank": 1}
    assert summary["relaxations"][0]["text"] == "must-fill post p1 is left vacant"
    assert summary["rules"]["eligibility"]["mobility"] == "within_unit"
    assert summary["provenance"] == provenance


def test_report_flags_broken_rules_and_lists_only_binding_prices(tmp_path):
    problem, provenance = read(tmp_path)
    display = empty_display(problem)
    doc = build_document(problem, hand_made_proposal(SolveStatus.RELAXED), display, provenance,
                         "en")
    report = render_markdown(doc)
    assert "## Rules that cannot be met" in report
    assert "Must-fill post 区直乙 (副科, p1) has no suitable candidate" in report
    prices = report.split("## Which rules and quotas bind")[1].split("## ")[0]
    assert "would add 2.00" in prices and "slack" not in prices  # binding ones only
    assert "| 1 | c1 |  | 镇街甲 | 一级科员 | 园区丙 (正科, p2) | 90.00 | 0.33 |" in report
    optimal = render_markdown(build_document(problem, hand_made_proposal(), display,
                                             provenance, "zh"))
    assert "已求得最优方案" in optimal and "集体讨论决定" in optimal


def test_existing_output_is_replaced_only_when_complete(tmp_path):
    problem, provenance = read(tmp_path)
    out = tmp_path / "out"
    write_proposal(out, problem, hand_made_proposal(), provenance)
    before = (out / "proposal.json").read_text(encoding="utf-8")
    unwritable = {**provenance, "command": object()}  # fails in the middle, after proposal.csv
    with pytest.raises(TypeError):
        write_proposal(out, problem, hand_made_proposal(SolveStatus.RELAXED), unwritable)
    assert (out / "proposal.json").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    write_proposal(out, problem, hand_made_proposal(SolveStatus.RELAXED), provenance)
    assert json.loads((out / "proposal.json").read_text(encoding="utf-8"))["status"] == "relaxed"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_folder_with_other_files_is_never_replaced(tmp_path):
    problem, provenance = read(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "minutes.docx").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match=r"got a folder holding other files \(minutes\.docx\)$"):
        write_proposal(out, problem, hand_made_proposal(), provenance)
    assert [p.name for p in out.iterdir()] == ["minutes.docx"]


# --------------------------------------------------------------------------- Excel, aliases


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


ROSTER = [
    ["编号", "姓名", "性别", "单位", "职级", "年龄", "任现职级年限", "考核得分", "一线", "职级池",
     "身份证号"],
    ["c1", "张三", "女", "镇街甲", "一级科员", 30, 3, 90, "是", "A", "110101198510100011"],
    ["c2", "李四", "男", "区直乙", 2, 45, 4.5, 85.25, "否", "B", "110101197001010022"],
    [None, None, None, None, None, None, None, None, None, None, None],
    ["c3", "王五", "女", "镇街甲", "二级科员", 28, 2.5, 70, 1, "A", "1985.10"],
]


def test_excel_sheet_with_chinese_headers_rank_names_and_text_cells(tmp_path):
    paths = write_inputs(tmp_path)
    book = write_workbook(tmp_path / "roster.xlsx", {"说明": [["x"]], "候选人": ROSTER})
    inputs = read_allocation_files(f"{book}#候选人", paths["posts"], paths["pools"])
    c = inputs.problem.candidates
    assert c.id.tolist() == ["c1", "c2", "c3"]
    np.testing.assert_array_equal(c.rank, [1, 2, 0])  # 一级科员, 2, 二级科员
    np.testing.assert_array_equal(c.frontline, [True, False, True])
    np.testing.assert_array_equal(c.score, [90.0, 85.25, 70.0])
    ids = inputs.display.candidate_columns["身份证号"].tolist()
    assert ids == ["110101198510100011", "110101197001010022", "1985.10"]
    assert inputs.provenance["inputs"]["candidates"]["sheet"] == "候选人"
    assert inputs.provenance["inputs"]["candidates"]["encoding"] == "xlsx"


def test_excel_errors_name_the_excel_row_and_every_bad_cell(tmp_path):
    paths = write_inputs(tmp_path)
    rows = [list(r) for r in ROSTER]
    rows[1][5] = "三十"  # 年龄, Excel row 2
    rows[4][7] = -1  # 考核得分, Excel row 5 (row 4 is blank)
    rows[4][4] = "副科长"  # 职级
    book = write_workbook(tmp_path / "roster.xlsx", {"Sheet1": rows})
    with pytest.raises(InputErrors) as caught:
        read_allocation_files(book, paths["posts"], paths["pools"])
    assert caught.value.lines() == [
        "roster.xlsx line 5, column '职级': expected an integer >= 0 or a rank name from "
        "rules.toml [names], got '副科长'",
        "roster.xlsx line 2, column '年龄': expected an integer >= 0, got '三十'",
        "roster.xlsx line 5, column '考核得分': expected a number >= 0, got '-1'",
    ]


def test_unknown_sheet(tmp_path):
    paths = write_inputs(tmp_path)
    book = write_workbook(tmp_path / "roster.xlsx", {"Sheet1": ROSTER})
    with pytest.raises(InputError, match=r"^roster\.xlsx: no sheet '候选' \(sheets: Sheet1\)$"):
        read_allocation_files(f"{book}#候选", paths["posts"], paths["pools"])


def test_all_problems_of_a_file_at_once_up_to_twenty(tmp_path):
    rows = [CANDIDATES.splitlines()[0]] + [f"c{k},镇街甲,x,30,3,90,0,1,1,0,A" for k in range(30)]
    with pytest.raises(InputErrors) as caught:
        read(tmp_path, candidates="\n".join(rows) + "\n")
    lines = caught.value.lines()
    assert len(lines) == 20
    assert lines[0] == ("candidates.csv line 2, column 'rank': expected an integer >= 0 or a "
                        "rank name from rules.toml [names], got 'x'")
    assert lines[19].startswith("candidates.csv line 21, column 'rank'")


def test_chinese_post_headers_and_level_names(tmp_path):
    posts = ("岗位编号,岗位名称,单位,层级,最低职级,权重,必须配备\n"
             "p1,副镇长,区直乙,副科,一级科员,2,是\np2,局长,园区丙,正科,2,,否\n")
    problem, _ = read(tmp_path, posts=posts, fit=None)
    np.testing.assert_array_equal(problem.posts.level, [1, 2])
    np.testing.assert_array_equal(problem.posts.min_rank, [1, 2])
    np.testing.assert_array_equal(problem.posts.must_fill, [True, False])


# --------------------------------------------------------------------------- regulations files


def read_with(tmp_path: Path, **files: str):
    """Read the valid set plus regulation files given as text (conflicts, locks, teams)."""
    paths = write_inputs(tmp_path)
    extra = {}
    for role, text in files.items():
        if role == "rules":
            paths["rules"].write_text(text, encoding="utf-8")
            continue
        extra[role] = tmp_path / f"{role}.csv"
        extra[role].write_text(text, encoding="utf-8")
    return read_allocation_files(paths["candidates"], paths["posts"], paths["pools"],
                                 rules=paths["rules"], fit=paths["fit"], **extra)


def lines_of(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_with(tmp_path, **files)
    error = caught.value
    return error.lines() if isinstance(error, InputErrors) else [str(error)]


def test_regulation_files_are_read(tmp_path):
    inputs = read_with(
        tmp_path,
        conflicts="a,b,kind,b_unit\nc1,c3,same_unit,\nc2,x9,上下级,园区丙\n",
        locks="candidate,target,lock\nc1,,forbid\nc2,A,禁止\n",
        teams="单位,民族\n镇街甲,回族\n区直乙,汉族\n",
    )
    reg = inputs.problem.regulations
    assert reg.conflicts.a.tolist() == [0, 1] and reg.conflicts.b.tolist() == [2, -1]
    assert reg.conflicts.b_unit.tolist() == [-1, 2]
    assert [k.value for k in reg.conflicts.kind] == ["same_unit", "supervise"]
    assert [k.value for k in reg.locks.kind] == ["forbid", "forbid"]
    assert reg.locks.pool.tolist() == [-1, 0]
    assert reg.team_count("ethnicity", "回族", 3).tolist() == [1, 0, 0]


def test_bad_conflicts_name_file_row_and_column(tmp_path):
    assert lines_of(tmp_path, conflicts="a,b,kind\nc1,c9,same_unit\nc1,c2,cousins\n") == [
        "conflicts.csv line 2, column 'b': expected a candidate id, or the cadre's unit in "
        "column b_unit, got 'c9'",
        "conflicts.csv line 3, column 'kind': expected same_unit (同单位) or supervise (上下级), "
        "got 'cousins'",
    ]


def test_bad_locks_name_file_row_and_column(tmp_path):
    # c3 is rank 0: p1 needs rank 1, so a must lock to p1 cannot be carried out.
    assert lines_of(tmp_path, locks="candidate,target,lock\nc9,p1,must\nc1,p9,must\n"
                    "c3,p1,must\nc1,p1,maybe\n") == [
        "locks.csv line 2, column 'candidate': expected a candidate id from the candidates "
        "file, got 'c9'",
        "locks.csv line 3, column 'target': expected a post id or a pool name (empty: any "
        "move), got 'p9'",
        "locks.csv line 4, column 'target': expected a move c3 is eligible for, got 'p1', "
        "which the rules do not allow c3",
        "locks.csv line 5, column 'lock': expected must (必须) or forbid (禁止), got 'maybe'",
    ]


def test_composition_attribute_must_be_a_column_and_shares_at_most_one(tmp_path):
    rules = '[[composition]]\nattribute = "gender"\nvalue = "女"\nmin_share = 0.3\n'
    assert lines_of(tmp_path, rules=rules) == [
        "rules.toml, key 'composition.0.attribute': expected a column of the candidates file "
        "(have: pool, unit), got 'gender'"]
    over = '[[composition]]\nattribute = "unit"\nvalue = "镇街甲"\nmin_share = 1.5\n'
    assert lines_of(tmp_path, rules=over) == [
        "rules.toml, key 'composition.0.min_share': expected a number <= 1, got 1.5"]


def test_team_rules_need_known_units_and_a_teams_column(tmp_path):
    rules = '[[team]]\nattribute = "unit"\nvalue = "x"\nunits = ["镇街丁"]\n'
    assert lines_of(tmp_path, rules=rules, teams="unit,民族\n镇街甲,回族\n") == [
        "rules.toml, key 'team.0.attribute': the teams file has no column 'unit'",
        "rules.toml, key 'team.0.units': expected a unit of the input files, got '镇街丁'",
    ]
    assert lines_of(tmp_path, teams="unit,民族\n镇街丁,回族\n") == [
        "teams.csv line 2, column 'unit': expected a unit of the candidates or posts file, "
        "got '镇街丁'"]


# --------------------------------------------------------------------------- safe outputs


def test_formula_cells_are_neutralised_and_markup_escaped(tmp_path):
    from openpyxl import load_workbook

    evil_unit = "<img src=x onerror=alert(1)>"
    candidates = CANDIDATES.replace("pool\n", "pool,name\n", 1).replace(
        "c1,镇街甲", f"c1,{evil_unit}").replace(",A\n", ",A,=HYPERLINK(\"http://x\")\n", 1)
    paths = write_inputs(tmp_path, candidates=candidates, fit=None)
    inputs = read_allocation_files(paths["candidates"], paths["posts"], paths["pools"])
    out = tmp_path / "out"
    proposal = hand_made_proposal()
    write_proposal(out, inputs.problem, proposal, inputs.provenance, display=inputs.display)
    csv_text = (out / "proposal.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    book = load_workbook(out / "proposal.xlsx")
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert evil_unit not in html_text and "&lt;img src=x onerror=alert(1)&gt;" in html_text
    md = (out / "report.md").read_text(encoding="utf-8")
    assert evil_unit not in md and "&lt;img src=x onerror=alert(1)&gt;" in md

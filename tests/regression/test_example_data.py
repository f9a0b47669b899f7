"""The bundled ``scenarios/examples/county``: reproducible, feasible, solved to optimality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments.allocation.io import read_allocation_inputs
from experiments.allocation.synthetic import example_county, regenerate_example
from optimize import SolveStatus, allocate
from optimize.eligibility import eligible_pairs

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "county"
FILES = ("candidates.csv", "posts.csv", "pools.csv", "rules.toml", "fit.csv", "teams.csv",
         "README.md")
WORKBOOK = SHIPPED / "county.xlsx"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("county")
    regenerate_example(folder)
    return folder


@pytest.fixture(scope="module")
def example():
    return example_county()


@pytest.fixture(scope="module")
def proposal(example):
    return allocate(example)


def test_regenerating_writes_exactly_the_shipped_files(regenerated):
    assert sorted(p.name for p in regenerated.iterdir()) == sorted([*FILES, "county.xlsx"])


def workbook_cells(path: Path) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def test_regenerated_workbook_has_the_shipped_cells(regenerated):
    # an .xlsx holds zip timestamps, so cells are compared, not bytes
    assert workbook_cells(regenerated / "county.xlsx") == workbook_cells(WORKBOOK)


def test_workbook_gb18030_and_utf8_csv_give_the_same_proposal(tmp_path):
    """The same roster saved three ways (UTF-8 CSV, GB18030 CSV, Excel with Chinese headers
    and named ranks) reads as the same problem and gives the same proposal."""
    from experiments.allocation.io import read_allocation_files

    gb = {}
    for name in ("candidates.csv", "posts.csv", "pools.csv", "fit.csv", "teams.csv"):
        gb[name] = tmp_path / name
        gb[name].write_bytes((SHIPPED / name).read_text(encoding="utf-8").encode("gb18030"))
    utf8 = read_allocation_files(*(SHIPPED / n for n in ("candidates.csv", "posts.csv",
                                                          "pools.csv")),
                                 rules=SHIPPED / "rules.toml", fit=SHIPPED / "fit.csv",
                                 teams=SHIPPED / "teams.csv")
    gbk = read_allocation_files(gb["candidates.csv"], gb["posts.csv"], gb["pools.csv"],
                                rules=SHIPPED / "rules.toml", fit=gb["fit.csv"],
                                teams=gb["teams.csv"])
    book = read_allocation_files(f"{WORKBOOK}#干部名单", f"{WORKBOOK}#空缺岗位",
                                 f"{WORKBOOK}#职级职数", rules=SHIPPED / "rules.toml",
                                 fit=f"{WORKBOOK}#人岗相适度", teams=f"{WORKBOOK}#现任班子")
    assert gbk.provenance["inputs"]["candidates"]["encoding"] == "gb18030"
    assert book.provenance["inputs"]["candidates"]["encoding"] == "xlsx"
    assert describe(gbk.problem) == describe(utf8.problem) == describe(book.problem)
    assert list(book.display.candidate_columns) == ["姓名", "性别", "民族"]
    np.testing.assert_array_equal(book.display.name, utf8.display.name)
    np.testing.assert_array_equal(book.display.post_title, utf8.display.post_title)
    proposals = [allocate(inputs.problem, explain=False) for inputs in (utf8, gbk, book)]
    for other in proposals[1:]:
        assert other.objective == proposals[0].objective
        np.testing.assert_array_equal(other.moves.candidate, proposals[0].moves.candidate)
        np.testing.assert_array_equal(other.moves.target, proposals[0].moves.target)


@pytest.mark.parametrize("name", FILES)
def test_regenerated_file_is_byte_identical_to_the_shipped_one(regenerated, name):
    assert (regenerated / name).read_bytes() == (SHIPPED / name).read_bytes(), (
        f"scenarios/examples/county/{name} differs from what experiments.allocation.synthetic "
        "generates; run `python -m experiments.allocation.synthetic scenarios/examples/county` "
        "and review the diff"
    )


def test_shipped_files_read_back_as_the_generated_problem(example):
    shipped, _ = read_allocation_inputs(
        SHIPPED / "candidates.csv", SHIPPED / "posts.csv", SHIPPED / "pools.csv",
        rules=SHIPPED / "rules.toml", fit=SHIPPED / "fit.csv",
    )
    assert describe(shipped) == describe(example)


def describe(problem) -> dict:
    """The problem with units, pools, candidates and posts by name and id, not by code."""
    c, p, q, f = problem.candidates, problem.posts, problem.pools, problem.fit
    units, pools = np.array(problem.unit_names), np.array(problem.pool_names)
    columns = {f"candidates.{name}": getattr(c, name).tolist() for name in (
        "id", "rank", "age", "years_in_grade", "score", "post_level", "frontline", "hardship",
        "blocked")}
    columns |= {f"posts.{name}": getattr(p, name).tolist() for name in (
        "id", "level", "min_rank", "weight", "must_fill")}
    return columns | {
        "candidates.unit": units[c.unit].tolist(),
        "candidates.pool": pools[c.pool].tolist(),
        "posts.unit": units[p.unit].tolist(),
        "pools": sorted(zip(pools[q.pool].tolist(), q.rank.tolist(), q.headroom.tolist(),
                            strict=True)),
        "fit": sorted(zip(c.id[f.candidate].tolist(), p.id[f.post].tolist(), f.fit.tolist(),
                          strict=True)),
        "rules": problem.rules,
    }


def test_example_has_the_documented_size(example):
    pairs = eligible_pairs(example)
    assert (example.n_candidates, example.n_posts, len(example.pool_names)) == (600, 40, 4)
    assert 0 < example.posts.must_fill.sum() <= 5
    assert pairs.n_post_pairs > 10 * example.n_posts
    assert pairs.n_rank_pairs > example.pools.headroom.sum()


def test_every_must_fill_post_has_eligible_candidates(example):
    pairs = eligible_pairs(example)
    must_fill = np.flatnonzero(example.posts.must_fill)
    assert np.isin(must_fill, pairs.post_post).all()


def test_example_is_solved_to_optimality(proposal):
    assert proposal.status is SolveStatus.OPTIMAL
    assert proposal.relaxations == ()
    assert proposal.gap == pytest.approx(0.0, abs=1e-6)


def test_allocation_moves_frontline_cadres_and_meets_the_targets(example, proposal):
    c, rules = example.candidates, example.rules
    movers = proposal.moves.candidate
    is_post = proposal.moves.is_post
    assert len(set(movers.tolist())) == len(movers)
    assert c.frontline[movers].sum() >= rules.targets.frontline_share_min * len(movers)
    assert c.frontline[movers].any() and not c.frontline[movers].all()
    young = c.age[movers[is_post]] <= rules.targets.young_age_max
    assert young.sum() >= rules.targets.young_share_min * is_post.sum()
    filled = proposal.moves.target[is_post]
    assert set(np.flatnonzero(example.posts.must_fill)) <= set(filled.tolist())


def test_tables_for_people_carry_rounded_values(tmp_path):
    """shortlist.csv and passed_over.csv: values to the cent (exact ones in proposal.csv)."""
    import pandas as pd

    from experiments.cli import main

    county = SHIPPED
    out = tmp_path / "proposal"
    assert main(["allocate", "--candidates", str(county / "candidates.csv"),
                 "--posts", str(county / "posts.csv"), "--pools", str(county / "pools.csv"),
                 "--rules", str(county / "rules.toml"), "--fit", str(county / "fit.csv"),
                 "--shortlist", "2", "--out", str(out)]) == 0
    for name, columns in (("shortlist.csv", ("value", "loss")),
                          ("passed_over.csv", ("value", "holder_value"))):
        table = pd.read_csv(out / name, dtype=str, encoding="utf-8-sig")
        assert len(table) > 0
        for column in columns:
            assert all(len(v.partition(".")[2]) <= 2 for v in table[column].dropna()), name
    exact = pd.read_csv(out / "proposal.csv", dtype=str, encoding="utf-8-sig")
    assert any(len(v.partition(".")[2]) > 2 for v in exact["value"])

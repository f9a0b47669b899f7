"""The synthetic county generator and the input-file writer."""

from __future__ import annotations

import csv
import dataclasses
import tomllib

import numpy as np
import pytest

from experiments.allocation.io import read_allocation_inputs
from experiments.allocation.synthetic import (
    CANDIDATE_COLUMNS,
    FIT_COLUMNS,
    POOL_COLUMNS,
    POST_COLUMNS,
    average_eligible_posts,
    default_rules,
    main,
    synthetic_county,
    write_inputs,
)
from optimize import Fit, Mobility, Rules, SolveStatus, allocate


def read_csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8").splitlines()[0].split(","))


@pytest.fixture(scope="module")
def county():
    return synthetic_county(300, 25, 4, seed=7)


def arrays_equal(a, b) -> bool:
    return all(
        np.array_equal(getattr(x, f.name), getattr(y, f.name))
        for x, y in [(a.candidates, b.candidates), (a.posts, b.posts), (a.pools, b.pools),
                     (a.fit, b.fit)]
        for f in dataclasses.fields(x)
    )


def test_same_seed_gives_the_same_instance(county):
    again = synthetic_county(300, 25, 4, seed=7)
    assert arrays_equal(county, again)
    assert county.unit_names == again.unit_names and county.rules == again.rules


def test_another_seed_gives_another_instance(county):
    assert not arrays_equal(county, synthetic_county(300, 25, 4, seed=8))


def test_candidates_look_like_county_cadres(county):
    c = county.candidates
    assert (c.age >= 23).all() and (c.age <= 59).all()
    assert set(np.unique(c.rank)) == set(range(6))
    assert np.bincount(c.rank)[0] > np.bincount(c.rank)[5]  # a pyramid
    assert np.corrcoef(c.rank, c.age)[0, 1] > 0.4
    assert set(np.unique(c.post_level)) == {0, 1, 2}
    assert 0 < c.blocked.sum() < 0.1 * len(c)
    assert 0.3 < c.frontline.mean() < 0.8
    assert (c.hardship[~c.frontline] == 1.0).all() and (c.hardship[c.frontline] >= 1.0).all()
    assert c.hardship.max() > 1.2
    assert len(np.unique(c.id)) == len(c)


def test_posts_min_rank_rises_with_level(county):
    p = county.posts
    means = [p.min_rank[p.level == level].mean() for level in (1, 2, 3) if (p.level == level).any()]
    assert means == sorted(means) and len(means) >= 2
    assert 0 < p.must_fill.sum() <= 0.2 * len(p) + 1


def test_pools_follow_unit_kinds(county):
    assert county.pool_names == ("县直机关", "镇街", "园区", "重点项目")
    c = county.candidates
    assert (c.pool[~c.frontline] == 0).all() and (c.pool[c.frontline] > 0).all()
    assert len(county.pools) == 4 * 5 and set(county.pools.rank.tolist()) == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("n_pools, names", [
    (1, ("全县",)),
    (2, ("县直机关", "一线")),
    (3, ("县直机关", "镇街", "园区")),
    (6, ("县直机关", "镇街", "园区", "重点项目", "镇街2", "镇街3")),
])
def test_pool_names_by_count(n_pools, names):
    problem = synthetic_county(200, 10, n_pools, seed=1)
    assert problem.pool_names == names
    assert set(np.unique(problem.candidates.pool)) <= set(range(n_pools))


@pytest.mark.parametrize("size", [(2, 1, 1), (12, 3, 2), (40, 6, 3), (150, 15, 4), (400, 60, 5)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_instances_are_feasible_under_default_rules(size, seed):
    problem = synthetic_county(*size, seed=seed)
    proposal = allocate(problem, explain=False)
    assert proposal.status is SolveStatus.OPTIMAL


@pytest.mark.parametrize("rules", [
    default_rules(0.8, 0.9, max_outflow_per_unit=0),
    default_rules(1.0, 1.0, mobility=Mobility.WITHIN_UNIT),
    default_rules(0.5, 0.5, max_age=30),
], ids=["strict-shares-no-outflow", "all-young-all-frontline", "age-limit-30"])
def test_instances_are_feasible_under_strict_rules(rules):
    for seed in range(4):
        problem = synthetic_county(80, 12, 3, seed=seed, rules=rules)
        assert allocate(problem, explain=False).status is SolveStatus.OPTIMAL


@pytest.mark.parametrize("n_candidates, n_posts, target", [
    (600, 40, 3.0), (2000, 200, 5.0), (3000, 300, 20.0), (100, 10, 2.0),
])
def test_eligible_posts_per_candidate_is_reached(n_candidates, n_posts, target):
    problem = synthetic_county(n_candidates, n_posts, 3, seed=3,
                               eligible_posts_per_candidate=target)
    assert problem.rules.eligibility.mobility is Mobility.WITHIN_UNIT
    assert average_eligible_posts(problem) == pytest.approx(target, rel=0.1)
    assert allocate(problem, explain=False).status is SolveStatus.OPTIMAL


def test_target_with_unified_rules_is_refused():
    with pytest.raises(ValueError, match="within_unit"):
        synthetic_county(100, 10, 2, seed=0, eligible_posts_per_candidate=2.0,
                         rules=default_rules())


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="n_candidates"):
        synthetic_county(0, 10, 2, seed=0)


def test_written_files_follow_the_input_contract(county, tmp_path):
    write_inputs(county, tmp_path)
    assert header(tmp_path / "candidates.csv") == CANDIDATE_COLUMNS
    assert header(tmp_path / "posts.csv") == POST_COLUMNS
    assert header(tmp_path / "pools.csv") == POOL_COLUMNS
    assert header(tmp_path / "fit.csv") == FIT_COLUMNS
    rows = read_csv(tmp_path / "candidates.csv")
    c = county.candidates
    assert [r["id"] for r in rows] == c.id.tolist()
    assert [r["unit"] for r in rows] == [county.unit_names[u] for u in c.unit]
    assert [r["pool"] for r in rows] == [county.pool_names[q] for q in c.pool]
    assert {r["frontline"] for r in rows} == {"0", "1"}
    assert {r["blocked"] for r in rows} == {"0", "1"}
    for column in ("years_in_grade", "score", "hardship"):
        assert np.array_equal([float(r[column]) for r in rows], getattr(c, column))
    posts = read_csv(tmp_path / "posts.csv")
    assert np.array_equal([float(r["weight"]) for r in posts], county.posts.weight)
    assert [r["must_fill"] == "1" for r in posts] == county.posts.must_fill.tolist()
    fit = read_csv(tmp_path / "fit.csv")
    assert np.array_equal([float(r["fit"]) for r in fit], county.fit.fit)
    assert [r["post"] for r in fit] == county.posts.id[county.fit.post].tolist()


@pytest.mark.parametrize("size", [(50, 6, 1), (120, 9, 3), (400, 30, 6)])
def test_written_files_read_back_to_the_same_problem(size, tmp_path):
    problem = synthetic_county(*size, seed=5)
    write_inputs(problem, tmp_path)
    has_fit = (tmp_path / "fit.csv").exists()
    back, _ = read_allocation_inputs(
        tmp_path / "candidates.csv", tmp_path / "posts.csv", tmp_path / "pools.csv",
        rules=tmp_path / "rules.toml", fit=tmp_path / "fit.csv" if has_fit else None,
    )
    assert back.rules == problem.rules and back.pool_names == problem.pool_names
    assert arrays_equal(back, problem)
    assert [back.unit_names[u] for u in back.candidates.unit] == [
        problem.unit_names[u] for u in problem.candidates.unit]


def test_unit_names_include_chinese_written_as_utf8(county, tmp_path):
    write_inputs(county, tmp_path)
    text = (tmp_path / "candidates.csv").read_bytes().decode("utf-8")
    assert "城关街道" in text
    assert all(name.isascii() for name in county.unit_names if name.startswith(("organ_", "park_")))


def test_rules_toml_reads_back_to_the_same_rules(county, tmp_path):
    write_inputs(county, tmp_path)
    with (tmp_path / "rules.toml").open("rb") as handle:
        assert Rules.model_validate(tomllib.load(handle)) == county.rules


def test_no_fit_file_without_fit_pairs_and_a_stale_one_is_removed(county, tmp_path):
    write_inputs(county, tmp_path)
    write_inputs(dataclasses.replace(county, fit=Fit()), tmp_path)
    assert not (tmp_path / "fit.csv").exists()
    assert (tmp_path / "candidates.csv").exists()


def test_command_line_regenerates_the_example(tmp_path, capsys):
    main([str(tmp_path / "county")])
    assert "600 candidates" in capsys.readouterr().out
    assert (tmp_path / "county" / "README.md").exists()

"""CART, the cross-check of PRIM, finds the planted box as a failure leaf; the discovery's
report names both."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments.discover.cart import failure_leaves
from experiments.discover.command import Cases, discover, write_discovery
from tests.unit.test_prim import NAMES, planted


def test_cart_finds_the_planted_box_as_a_leaf_with_high_coverage_and_density():
    x, y = planted()
    [best, *_] = failure_leaves(x, y)
    assert best.coverage >= 0.9 and best.density >= 0.9
    assert best.restricted == (0, 1)
    assert best.box.high[0] == pytest.approx(0.3, abs=0.03)
    assert best.box.low[1] == pytest.approx(0.6, abs=0.03)
    # The leaf's counts: the tree's leaf holds the failing cases it claims to.
    inside = (x[:, 0] <= best.box.high[0]) & (x[:, 1] > best.box.low[1])
    assert best.mass == pytest.approx(inside.mean())
    assert best.coverage == pytest.approx((inside & y).sum() / y.sum())


def test_every_failure_leaf_has_a_majority_of_failing_cases_and_leaves_do_not_overlap():
    x, y = planted(seed=5)
    noisy = y ^ (np.random.default_rng(2).random(len(y)) < 0.05)  # 5% of labels flipped
    leaves = failure_leaves(x, noisy)
    assert leaves and all(leaf.density > 0.5 for leaf in leaves)
    assert sum(leaf.coverage for leaf in leaves) <= 1.0 + 1e-12
    assert all(leaf.mass >= 0.05 - 1e-12 for leaf in leaves)
    assert [leaf.coverage for leaf in leaves] == sorted((leaf.coverage for leaf in leaves),
                                                        reverse=True)


def test_without_a_failure_majority_anywhere_there_is_no_leaf():
    x = np.random.default_rng(0).random((400, 2))
    y = np.random.default_rng(1).random(400) < 0.1  # rare, no structure
    assert failure_leaves(x, y) == []


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ("PRIM 区域", "CART 交叉验证", "覆盖率")),
    ("en", ("PRIM box", "CART cross-check", "coverage")),
])
def test_the_discovery_report_names_the_prim_box_and_the_cart_leaf(tmp_path, lang, words):
    x, y = planted()
    cases = Cases(NAMES, x, y.astype(float), {})
    result = discover(cases, y)
    out = tmp_path / "found"
    write_discovery(out, cases, y, result, outcome="mean_effort", side="below", value=0.5,
                    package=None, lang=lang, command=["youwei", "discover"])
    report = (out / "report.html").read_text(encoding="utf-8")
    assert all(word in report for word in words), words
    box = json.loads((out / "box.json").read_text(encoding="utf-8"))
    assert box["cart"][0]["coverage"] >= 0.9 and box["cart"][0]["density"] >= 0.9
    assert [r["name"] for r in box["cart"][0]["restrictions"]] == ["u1", "u2"]
    cart = pd.read_csv(out / "cart.csv")
    assert cart.loc[0, "restricted"] == "u1;u2" and cart["density"].gt(0.5).all()

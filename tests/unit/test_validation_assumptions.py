"""The robustness table of ``youwei validate-model`` samples the assumption ranges of the
catalogue (``scenarios/catalogue/levers.toml``): every sampled field has a range there, every
range of the world's behaviour and population is sampled, and the committed report
(docs/validation/validation.json) names the same ranges the code samples."""

import json
from pathlib import Path

from experiments.validation.robustness import SAMPLED, assumptions, sample_points
from scenarios.levers import FieldKind, fields

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "validation" / "validation.json"


def test_every_sampled_field_is_an_uncertainty_with_a_catalogue_range():
    by_path = {f.path: f for f in fields()}
    assert len(set(SAMPLED)) == len(SAMPLED)
    for path, low, high in assumptions():
        field = by_path[path]
        assert field.kind is FieldKind.UNCERTAINTY, path
        assert field.source.startswith("assumption"), path
        assert (low, high) == field.assumed, path
    assert [a[0] for a in assumptions()] == list(SAMPLED)


def test_every_range_of_the_behaviour_and_the_population_is_sampled():
    ranged = [f.path for f in fields() if f.assumed is not None
              and f.path.split(".")[0] in ("behaviour", "population")]
    assert sorted(ranged) == sorted(SAMPLED)


def test_the_committed_report_sampled_the_catalogue_ranges():
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))["robustness"]
    assert committed["assumptions"] == [{"path": p, "low": lo, "high": hi}
                                        for p, lo, hi in assumptions()]


def test_the_sample_stays_inside_the_ranges_and_integer_fields_get_integers():
    points = sample_points(16)
    for path, low, high in assumptions():
        values = [point[path] for point in points]
        assert all(low <= v <= high for v in values), path
        assert all(type(v) is type(low) for v in values), path
    # a Latin hypercube: every sixteenth of each range holds exactly one point
    noise = sorted(point["behaviour.choice_noise"] for point in points)
    strata = [int((v - 0.01) / (0.1 - 0.01) * 16) for v in noise]
    assert strata == list(range(16))

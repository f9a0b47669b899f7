"""Levers and uncertainties: every schema field described for people (``youwei levers``)."""

from __future__ import annotations

import csv
import io

import pytest

from experiments.catalogue.command import run_levers
from scenarios import load_scenario
from scenarios.levers import FieldKind, catalogue, fields, schema_keys
from scenarios.schema import Scenario


def test_every_schema_field_has_an_entry_and_every_entry_a_field():
    missing = sorted(schema_keys() - set(catalogue()))
    stale = sorted(set(catalogue()) - schema_keys())
    assert not missing, f"describe these fields in scenarios/catalogue/levers.toml: {missing}"
    assert not stale, f"these entries of levers.toml name no schema field: {stale}"


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_entry_has_a_unit_a_source_and_both_languages(key):
    entry = catalogue()[key]
    assert set(entry) - {"low", "high"} == {"unit", "source", "zh", "en"}
    assert all(entry[name].strip() for name in ("unit", "source", "zh", "en")), key
    assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["zh"]), f"{key}: zh is not Chinese"


def test_the_kind_follows_the_block():
    kinds = {f.path: f.kind for f in fields()}
    assert kinds["policy.tolerance.excuse_rate"] is FieldKind.LEVER
    assert kinds["organisation.frontline.count"] is FieldKind.UNCERTAINTY
    assert kinds["behaviour.sanction_cost"] is FieldKind.UNCERTAINTY
    assert kinds["history.policy.tolerance.excuse_rate"] is FieldKind.UNCERTAINTY
    assert kinds["seed"] is FieldKind.SETTING
    assert all(kind is FieldKind.LEVER for path, kind in kinds.items()
               if path.startswith("policy."))


def test_range_and_default_come_from_the_schema():
    by_path = {f.path: f for f in fields()}
    excuse = by_path["policy.tolerance.excuse_rate"]
    assert (excuse.range, excuse.default, excuse.unit) == ("[0, 1]", 0.0, "share")
    assert by_path["policy.promotion.rule"].range.startswith("seniority | merit")
    assert by_path["organisation.frontline.count"].default == 10  # the frontline group's own
    assert by_path["organisation.organs.count"].default == 8


def test_every_path_can_be_set():
    base = load_scenario("baseline")
    data = base.model_dump(mode="json")
    for field in fields():
        if field.kind is FieldKind.SETTING:
            continue
        value = data
        for part in field.path.split("."):
            value = value[part]
        assert base.with_values({field.path: value}) == base, field.path


def test_levers_lists_every_field_with_its_value_in_the_scenario(capsys):
    assert run_levers("ordos", lang="en", fmt="csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["path"] for row in rows] == [f.path for f in fields()]
    by_path = {row["path"]: row for row in rows}
    excuse = by_path["policy.tolerance.excuse_rate"]
    assert (excuse["kind"], excuse["default"], excuse["value"]) == ("lever", "0.0", "0.6")
    assert excuse["meaning"] == "P(an error classified honest is excused)"
    assert by_path["organisation.frontline.count"]["value"] == "24"


def test_levers_table_marks_changed_values_in_chinese(capsys):
    assert run_levers("ordos", lang="zh", kind="lever") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# ordos: ")
    excuse = next(line for line in lines if line.startswith("policy.tolerance.excuse_rate "))
    assert "政策杠杆" in excuse and "容错" in excuse and "* 0.6" in excuse
    assert not any(line.startswith("organisation.") for line in lines)


def test_levers_of_a_broken_scenario_exits_2(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("years = 0\n", encoding="utf-8")
    assert run_levers(broken) == 2
    assert capsys.readouterr().err == ("youwei: error: broken.toml line 1, key 'years': "
                                       "expected an integer in [1, 10000], got 0\n")


def with_range(key: str, **ends) -> dict:
    """The catalogue with the entry ``key`` given ``ends`` (``low``/``high``) instead of its own."""
    entry = {k: v for k, v in catalogue()[key].items() if k not in ("low", "high")}
    return {**catalogue(), key: {**entry, **ends}}


ASSUMED = [f for f in fields() if f.assumed is not None]


def test_the_assumptions_of_docs_model_md_have_their_ranges():
    by_path = {f.path: f.assumed for f in ASSUMED}
    assert by_path["behaviour.choice_noise"] == (0.01, 0.1)
    assert by_path["behaviour.sanction_cost"] == (2.0, 10.0)
    assert by_path["population.recruit_age_mean"] == (23.0, 30.0)
    assert by_path["policy.assessment.merit_memory"] == (0.4, 0.8)
    exit_age = by_path["behaviour.exit_age_max"]  # an integer field keeps integer ends
    assert exit_age == (40, 50) and all(type(end) is int for end in exit_age)
    assert all(type(end) is float for end in by_path["behaviour.inertia"])
    assert "behaviour.transfer" not in by_path  # a paper's value, not an assumption


@pytest.mark.parametrize("field", ASSUMED, ids=lambda f: f.path)
def test_every_assumed_range_lies_inside_the_schema_and_around_the_default(field):
    low, high = field.assumed
    for end in (low, high):  # pydantic, not our reading of its constraints, decides
        assert Scenario().with_values({field.path: end}).model_dump() is not None
    assert low <= field.default <= high
    assert field.source.startswith("assumption")


@pytest.mark.parametrize(("key", "ends", "message"), [
    ("Behaviour.inertia", dict(low=0.6, high=0.1), "low 0.6 must be below high 0.1"),
    ("Behaviour.inertia", dict(low=0.3, high=0.3), "low 0.3 must be below high 0.3"),
    ("Behaviour.inertia", dict(low=0.0, high=1.5),
     "the range [0.0, 1.5] leaves the schema's [0, 1]"),
    ("Behaviour.patience_years", dict(low=0.0, high=5.0),
     "the range [0.0, 5.0] leaves the schema's (0, 1000000]"),
    ("Behaviour.inertia", dict(low=0.1), "'low' without 'high'"),
    ("Behaviour.exit_age_max", dict(low=40.5, high=50), "'low' must be an integer, got 40.5"),
    ("Behaviour.inertia", dict(low="0", high=0.5), "'low' must be a number, got '0'"),
    ("Behaviour.enabled", dict(low=0, high=1), "a range needs a number field, not true | false"),
    ("Behaviour.transfer", dict(low=0.5, high=1.0), "a range is for an assumption, but the "
     "source is 'Pluchino"),
])
def test_a_bad_range_is_an_error_naming_its_entry(key, ends, message):
    with pytest.raises(ValueError, match=r"^levers\.toml \[" + key.replace(".", r"\.") + r"\]: ") \
            as raised:
        fields(entries=with_range(key, **ends))
    assert message in str(raised.value)


def test_levers_shows_the_assumed_range_in_both_languages(capsys):
    assert run_levers("baseline", lang="en", fmt="csv") == 0
    rows = {row["path"]: row for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["behaviour.choice_noise"]["assumed"] == "[0.01, 0.1]"
    assert rows["behaviour.exit_age_max"]["assumed"] == "[40, 50]"
    assert rows["policy.tolerance.excuse_rate"]["assumed"] == ""
    for lang in ("zh", "en"):
        assert run_levers("baseline", lang=lang, kind="uncertainty") == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[1].split() == ["path", "kind", "meaning", "unit", "range", "assumed",
                                    "default", "value"]
        noise = next(line for line in lines if line.startswith("behaviour.choice_noise "))
        assert "[0, 1]" in noise and "[0.01, 0.1]" in noise

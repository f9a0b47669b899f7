"""Levers and uncertainties: every schema field described for people (``youwei levers``)."""

from __future__ import annotations

import csv
import io

import pytest

from experiments.catalogue.command import run_levers
from scenarios import load_scenario
from scenarios.levers import FieldKind, catalogue, fields, schema_keys


def test_every_schema_field_has_an_entry_and_every_entry_a_field():
    missing = sorted(schema_keys() - set(catalogue()))
    stale = sorted(set(catalogue()) - schema_keys())
    assert not missing, f"describe these fields in scenarios/catalogue/levers.toml: {missing}"
    assert not stale, f"these entries of levers.toml name no schema field: {stale}"


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_entry_has_a_unit_a_source_and_both_languages(key):
    entry = catalogue()[key]
    assert set(entry) == {"unit", "source", "zh", "en"}
    assert all(entry[name].strip() for name in entry), key
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

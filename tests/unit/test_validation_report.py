"""``validation.md`` and ``validation.zh.md``: the committed validation.json
(docs/validation/) rendered in English and Chinese, every sentence from the locale
catalogues, every table well formed."""

import json
import re
from pathlib import Path

import pytest

from experiments.common.i18n import text
from experiments.validation.facts import EXPECTED, FACTS, expected_words
from experiments.validation.report import REPORT_FILES, validation_markdown
from experiments.validation.robustness import METRICS

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "validation" / "validation.json"
HEADINGS = ("facts_heading", "targets_heading", "peter_heading", "stationarity_heading",
            "robust_heading")


@pytest.fixture(scope="module")
def result() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def render(result: dict, lang: str) -> str:
    return validation_markdown(result, lang)


def test_one_report_file_per_language():
    assert REPORT_FILES == {"en": "validation.md", "zh": "validation.zh.md"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_section_is_there_in_its_language(result, lang):
    markdown = render(result, lang)
    assert markdown.startswith(f"# {text('validation.title', lang)}\n")
    positions = [markdown.index(text(f"validation.{key}", lang) + "\n") for key in HEADINGS]
    assert positions == sorted(positions)
    for fact in FACTS:
        assert fact.label(lang).replace("|", "\\|") in markdown
    for metric in METRICS:
        assert f"### {text(f'validation.metric_{metric}', lang)}" in markdown


def test_the_chinese_report_is_chinese(result):
    zh, en = render(result, "zh"), render(result, "en")
    assert "## 1. 程式化事实" in zh and "## 5. 政策方案比较的稳健性" in zh
    assert "| 常识假设 | 提拔最优者 |" in zh  # the Peter cells' words
    assert "| `behaviour.choice_noise` | 努力选择的随机性 | 0.01 | 0.1 |" in zh
    assert "| `behaviour.choice_noise` | noise in the choice of effort (logit) | 0.01 | 0.1 |" \
        in en
    for english in ("Stylised facts", "Nominal order", "robust |", "seeds", " yes |"):
        assert english not in zh, english
    # the numbers are the same: only the words differ
    assert re.findall(r"[+-]\d+\.\d{4}", zh) == re.findall(r"[+-]\d+\.\d{4}", en)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_row_has_as_many_cells_as_its_header(result, lang):
    cells = None
    for line in render(result, lang).splitlines():
        if not line.startswith("|"):
            cells = None
            continue
        count = len(re.findall(r"(?<!\\)\|", line))
        if cells is None:
            cells = count
        assert count == cells, line


def test_the_json_keeps_the_english_words_the_report_translates(result):
    rows = result["stylised_facts"]["rows"]
    assert [r["measure"] for r in rows] == [fact.label("en") for fact in FACTS]
    assert [r["expected"] for r in rows] == [expected_words(f.sign, "en") for f in FACTS]
    assert set(EXPECTED) == {1, -1, 0}
    assert [m["words"] for m in result["robustness"]["metrics"]] == [
        text(f"validation.metric_{m}", "en") for m in METRICS]


def test_a_fact_the_catalogue_does_not_know_is_shown_as_stored(result):
    old = json.loads(json.dumps(result))
    old["stylised_facts"]["rows"][0]["measure"] = "a measure of an older version"
    assert "| 1 | a measure of an older version | > 0 |" in render(old, "zh")

"""``youwei calibrate`` end to end: recovering a parameter from synthetic targets, input
errors, and resuming after the process is killed."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from experiments.calibration.smm import run_moments, seed_children
from experiments.cli import main
from scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TRUE_SHARE = 0.12
SEEDS = 3
ROOT_SEED = 11

SCENARIO = """\
name = "small_calibration"
years = 8
seed = 3

[history]
years_min = 0
years_max = 0

[organisation.organs]
count = 3
establishment = 20

[organisation.frontline]
count = 4
establishment = 20

[organisation.key_projects]
count = 1
establishment = 8

[policy.bonus]
top_share = 0.05
amount = 1.0
"""

TARGETS = """\
scenario = "small_calibration"
seeds = {seeds}

[[parameter]]
path = "policy.bonus.top_share"
min = 0.02
max = 0.3

[[target]]
name = "bonus_recipients"
article = "001_46749358d5605204.txt"
quote = "704名先进个人"
value = {value!r}
scale = 1.0
per = "year"
tolerance = 0.05
"""


def synthetic(tmp_path: Path) -> tuple[Path, Path]:
    """The small scenario, and targets made by the model itself at ``TRUE_SHARE``."""
    scenario = tmp_path / "small.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    truth = load_scenario(scenario).model_copy(deep=True)
    truth = truth.model_copy(update=dict(policy=truth.policy.model_copy(update=dict(
        bonus=truth.policy.bonus.model_copy(update=dict(top_share=TRUE_SHARE))))))
    runs = [run_moments(truth, seed, ["bonus_recipients"])[0]
            for seed in seed_children(ROOT_SEED, SEEDS)]
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS.format(seeds=SEEDS, value=float(np.mean(runs))), encoding="utf-8")
    return scenario, targets


def calibrate_args(scenario: Path, targets: Path, out: Path) -> list[str]:
    return ["calibrate", str(scenario), "--targets", str(targets), "--out", str(out),
            "--design", "4", "--refine", "12", "--seed", str(ROOT_SEED), "--workers", "1"]


@pytest.mark.slow
def test_calibrate_recovers_the_parameter_that_made_the_targets(tmp_path, capsys):
    scenario, targets = synthetic(tmp_path)
    out = tmp_path / "fit"
    assert main(calibrate_args(scenario, targets, out)) == 0
    result = json.loads((out / "fitted.json").read_text(encoding="utf-8"))
    fitted = result["parameters"]["policy.bonus.top_share"]
    assert fitted == pytest.approx(TRUE_SHARE, abs=0.015)
    (target,) = result["targets"]
    assert target["met"] and target["ci_low"] <= target["model_mean"] <= target["ci_high"]
    assert {"fitted.json", "targets.csv", "report.md", "targets.png", "journal.jsonl"} <= {
        p.name for p in out.iterdir()}
    assert "bonus_recipients" in (out / "report.md").read_text(encoding="utf-8")
    # a second call in the same folder evaluates nothing new and gives the same fit
    capsys.readouterr()
    assert main(calibrate_args(scenario, targets, out)) == 0
    assert "resuming after" in capsys.readouterr().out
    again = json.loads((out / "fitted.json").read_text(encoding="utf-8"))
    assert again["parameters"] == result["parameters"]


@pytest.mark.slow
def test_calibrate_resumes_after_a_kill(tmp_path):
    scenario, targets = synthetic(tmp_path)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert main(calibrate_args(scenario, targets, whole)) == 0
    expected = json.loads((whole / "fitted.json").read_text(encoding="utf-8"))

    process = subprocess.Popen(
        [sys.executable, "-m", "experiments.cli", *calibrate_args(scenario, targets, killed)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = killed / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and len(journal.read_text(encoding="utf-8").splitlines()) >= 3:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert not (killed / "fitted.json").exists()
    done_before = len(journal.read_text(encoding="utf-8").splitlines()) - 1
    assert done_before >= 2

    completed = subprocess.run(
        [sys.executable, "-m", "experiments.cli", *calibrate_args(scenario, targets, killed)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert f"resuming after {done_before} evaluations" in completed.stdout
    result = json.loads((killed / "fitted.json").read_text(encoding="utf-8"))
    assert result["parameters"] == expected["parameters"]
    assert result["evaluations"] == expected["evaluations"]


def test_calibrate_input_errors_are_one_line(tmp_path, capsys):
    scenario, targets = tmp_path / "small.toml", tmp_path / "targets.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    cases = {
        "value = 3.0\nscale = 1.0\nper = \"year\"\ntolerance = 0.5":
            "key 'target.0.tolerance'",
        "value = 3.0\nscale = 1.0\nper = \"year\"\ntolerance = 0.1\ncolour = 1":
            "key 'target.0.colour'",
    }
    head = TARGETS.format(seeds=3, value=3.0).split("value =")[0]
    for tail, expected in cases.items():
        targets.write_text(head + tail + "\n", encoding="utf-8")
        assert main(calibrate_args(scenario, targets, tmp_path / "out")) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "targets.toml" in err and expected in err
    targets.write_text(TARGETS.format(seeds=3, value=3.0).replace(
        "bonus_recipients", "no_such_reporter"), encoding="utf-8")
    assert main(calibrate_args(scenario, targets, tmp_path / "out")) == 2
    assert "key 'target.0.name'" in capsys.readouterr().err
    targets.write_text(TARGETS.format(seeds=3, value=3.0).replace(
        "policy.bonus.top_share", "policy.bonus.no_such_field"), encoding="utf-8")
    assert main(calibrate_args(scenario, targets, tmp_path / "out")) == 2
    assert "key 'parameter.0.path'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_second_calibration_on_a_folder_in_use_is_refused(tmp_path, capsys):
    from experiments.common.folders import lock_folder

    scenario = tmp_path / "small.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS.format(seeds=2, value=3.0), encoding="utf-8")
    out = tmp_path / "fit"
    with lock_folder(out, what="another calibration"):
        assert main(calibrate_args(scenario, targets, out)) == 2
    err = capsys.readouterr().err
    assert "is in use by another youwei run (pid " in err and err.count("\n") == 1
    assert not (out / "journal.jsonl").exists()

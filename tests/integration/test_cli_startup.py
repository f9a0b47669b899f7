"""The command line starts at once and keeps the solver quiet: real subprocesses.

``youwei --help``, ``validate``, ``scenarios`` and ``levers`` must not import the
model, the solver or the data stack; no command may let HiGHS print on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import cli
from optimize.proposal import Backend
from scenarios import SCENARIO_DIR
from scenarios.schema import MAX_SEED, Policy
from tests.scenario_fixtures import tiny_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = SCENARIO_DIR / "examples" / "county"
HEAVY = ("mesa", "pandas", "pyarrow", "scipy", "pulp", "highspy", "SALib", "matplotlib",
         "dask", "optuna")

PROBE = """\
import json, sys
import experiments.cli as c
code = c.main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def probe(argv: list[str]) -> tuple[int, set[str], str]:
    """Run ``youwei ARGV`` in a fresh interpreter: exit code, modules loaded, stdout."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    *output, last = done.stdout.rstrip("\n").split("\n")
    result = json.loads(last)
    return result["code"], {m.split(".")[0] for m in result["modules"]}, "\n".join(output)


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["validate", str(SCENARIO_DIR / "ordos.toml")],
    ["scenarios"],
    ["levers", "ordos", "--lang", "en"],
    ["compare", "--help"],
    ["run", "--help"],
    ["allocate", "--help"],
    ["sweep", "--help"],
], ids=lambda argv: " ".join(argv[:2]))
def test_light_commands_import_nothing_heavy(argv):
    code, modules, _ = probe(argv)
    assert code == 0
    assert not modules & set(HEAVY), f"youwei {' '.join(argv)} imported {modules & set(HEAVY)}"


def test_the_backend_choices_match_the_optimiser():
    assert cli.BACKENDS == tuple(b.value for b in Backend)
    assert cli.MAX_SEED == MAX_SEED


def test_compare_help_is_plain_text(capsys):
    assert cli.main(["compare", "--help"]) == 0
    out = capsys.readouterr().out
    for markup in ("``", "::", ":class:", ":func:", "\\\\"):
        assert markup not in out
    assert "--world" in out and "--set" in out


def command_names() -> list[str]:
    parser = cli.build_parser()
    (subparsers,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return sorted(subparsers.choices)


def test_the_commands_include_the_catalogue():
    assert {"run", "compare", "sweep", "analyze", "scenarios", "validate", "levers",
            "allocate"} <= set(command_names())


@pytest.mark.parametrize("command", command_names())
def test_every_command_has_a_description(command, capsys):
    assert cli.main([command, "--help"]) == 0
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    description = rest.split("\n\n")[0]
    assert not description.startswith(("positional arguments", "options")), command




@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["allocate", "--candidates", str(EXAMPLE / "candidates.csv"),
     "--posts", str(EXAMPLE / "posts.csv"), "--pools", str(EXAMPLE / "pools.csv"),
     "--backend", "fast"],
    ["allocate", "--candidates", str(EXAMPLE / "candidates.csv"),
     "--posts", str(EXAMPLE / "posts.csv"), "--pools", str(EXAMPLE / "pools.csv"),
     "--backend", "pulp"],
    ["run", "TINY", "--years", "2"],
], ids=["allocate-fast", "allocate-pulp", "run"])
def test_no_solver_banner_on_stdout(argv, tmp_path):
    argv = [str(tiny_scenario(tmp_path)) if a == "TINY" else a for a in argv]
    done = subprocess.run([sys.executable, "-m", "experiments.cli", *argv,
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert "HiGHS" not in done.stdout and "Running" not in done.stdout
    assert "HiGHS" not in done.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "baseline", "--seed", str(2**64)], "expected a seed in [0, 2**63 - 1]"),
    (["compare", "baseline", "ordos", "--seed", str(MAX_SEED + 1)], "expected a seed in"),
    (["run", "baseline", "--set", "policy.tolerance.excuse_rate"], "expected PATH=VALUE"),
], ids=["run-seed", "compare-seed", "set-without-value"])
def test_bad_options_are_one_line_and_exit_2(argv, message, tmp_path, capsys):
    assert cli.main([*argv, "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err.splitlines()[-1]
    assert not (tmp_path / "out").exists()


def test_set_errors_are_one_line_each_and_nothing_runs(tmp_path, capsys):
    code = cli.main(["run", "ordos", "--out", str(tmp_path / "out"),
                     "--set", "policy.tolerance.excuse_rate=1.5",
                     "--set", "policy.tolerence.excuse_rate=0.5",
                     "--set", "years=-5"])
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "youwei: error: ordos.toml, key 'years' (set in --set): expected an integer in "
        "[1, 10000], got -5",
        "youwei: error: ordos.toml, key 'policy.tolerance.excuse_rate' (set in --set): "
        "expected a number in [0, 1], got 1.5",
        "youwei: error: ordos.toml, key 'policy.tolerence' (set in --set): unknown key (did "
        "you mean 'tolerance'? allowed: " + ", ".join(Policy.model_fields) + ")",
    ]
    assert not (tmp_path / "out").exists()


def test_a_path_set_twice_is_an_error(tmp_path, capsys):
    code = cli.main(["run", "ordos", "--out", str(tmp_path / "out"),
                     "--set", "organisation.frontline.posts.1=3",
                     "--set", "organisation.frontline.posts.01=4"])
    assert code == 2
    _, err = capsys.readouterr()
    assert err == ("youwei: error: --set, key 'organisation.frontline.posts.01': sets the same "
                   "value as 'organisation.frontline.posts.1'\n")


@pytest.mark.slow
def test_run_with_set_records_the_value_it_ran_with(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["run", str(tiny_scenario(tmp_path)), "--years", "1", "--out", str(out),
                     "--set", "policy.tolerance.excuse_rate=0.7", "--set",
                     "policy.promotion.rule=merit"])
    capsys.readouterr()
    assert code == 0
    resolved = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["scenario"]
    assert resolved["resolved"]["policy"]["tolerance"]["excuse_rate"] == 0.7
    assert resolved["resolved"]["policy"]["promotion"]["rule"] == "merit"


def test_compare_with_a_bad_set_is_one_line_and_exit_2(tmp_path, capsys):
    code = cli.main(["compare", "baseline", "ordos", "--out", str(tmp_path / "out"),
                     "--set", "behaviour.sanction_cost=-1"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == ("youwei: error: baseline.toml, key 'behaviour.sanction_cost' (set in --set): "
                   "expected a number in [0, 1000000], got -1\n")

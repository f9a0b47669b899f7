"""``youwei run``: simulate one scenario for its years and write the run folder.

Outputs in ``--out`` (written into a temporary sibling folder that replaces
``--out`` only once complete; an existing ``--out`` is replaced only when its
``manifest.json`` marks it as a previous run and it holds nothing else):

``series.parquet``, ``series.csv``
    One row per year, every model reporter of ``sim.metrics``, plus the
    provenance columns ``scenario`` (its name), ``scenario_hash`` and ``seed``.
``cadres.parquet``
    The final population, one row per cadre (``CadreModel.population_frame``).
``moves.csv``, ``errors.csv``
    The events of the run: every move (promotion, demotion, exit, recruitment,
    ...) and every error with its outcome.
``manifest.json``
    The scenario as run (``model_dump`` JSON and the resolved TOML text), its
    SHA-256, the seed, the years, the software versions and the command line.
``effort.png``, ``efficiency.png``, ``errors.png``, ``promotions.png``
    With ``--plot`` (see ``experiments.common.figures``).

Exit codes
----------
0  run written.
2  bad input (scenario that does not load, bad ``--years``/``--seed``, or an
   unusable ``--out``): one line on stderr starting with ``youwei: error:``,
   nothing written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from experiments.common.errors import InputError
from experiments.common.figures import FIGURE_FILES, save_figures
from experiments.common.folders import check_out_folder, output_signature, staging_dir
from experiments.common.provenance import (
    command_line,
    software_versions,
    to_json_safe,
)
from scenarios import Scenario, ScenarioError, load_scenario, resolved_toml, scenario_hash
from scenarios.schema import MAX_SEED

DATA_FILES = ("series.parquet", "series.csv", "cadres.parquet", "moves.csv", "errors.csv",
              "manifest.json")
OUTPUT_FILES = DATA_FILES + FIGURE_FILES
"""The files ``run_run`` may write (``manifest.json`` lists those it wrote)."""

OUTPUT_KIND = "run"
"""The signature in ``manifest.json`` by which a previous run in ``--out`` is known."""

PROVENANCE_COLUMNS = ("scenario", "scenario_hash", "seed")

MAX_YEARS = 10_000  # Scenario.years: Field(ge=1, le=10_000)

PROGRESS_DELAY_SECONDS = 2.0
"""The progress bar appears only once a run has taken this long (and only on a terminal)."""

SUMMARY_METRICS = (
    # (label, columns summed, format)
    ("cadres", ("headcount",), "{:,.0f}"),
    ("mean effort", ("mean_effort",), "{:.3f}"),
    ("  frontline", ("mean_effort_frontline",), "{:.3f}"),
    ("  organs", ("mean_effort_organ",), "{:.3f}"),
    ("efficiency", ("efficiency",), "{:.3f}"),
    ("errors honest", ("errors_honest",), "{:,.0f}"),
    ("  punished (reverse punishment)", ("punished_honest",), "{:,.0f}"),
    ("errors self-serving", ("errors_self_serving",), "{:,.0f}"),
    ("  excused (leakage)", ("excused_self_serving",), "{:,.0f}"),
    ("promotions", ("promotions_count",), "{:,.0f}"),
    ("  frontline share", ("promotion_frontline_share",), "{:.1%}"),
    ("  young share", ("promotion_young_share",), "{:.1%}"),
    ("voluntary exits", ("voluntary_exits_organ", "voluntary_exits_frontline"), "{:,.0f}"),
    ("retirements", ("retirements",), "{:,.0f}"),
    ("dismissals", ("dismissals",), "{:,.0f}"),
)
"""Rows of the console summary; columns absent from the series are skipped."""


def run_run(
    scenario: str,
    *,
    years: int | None,
    seed: int | None,
    out: Path,
    plot: bool,
    command: Sequence[str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> int:
    """Simulate one scenario, write the run folder, print a summary; return the exit code.

    Parameters
    ----------
    scenario : str
        A scenario TOML file, or the name of a bundled scenario (``"ordos"``).
    years : int, optional
        Years to simulate (>= 1); default the scenario's ``years``.
    seed : int, optional
        Root seed (>= 0); default the scenario's ``seed``.
    out : Path
        Output folder: created, or replaced if its ``manifest.json`` marks it as a
        previous run and it holds nothing else.
    plot : bool
        Also write the PNG figures.
    command : sequence of str, optional
        The command line, recorded in ``manifest.json``.
    values : mapping of str to value, optional
        Dotted paths to set (``--set``), validated with the scenario
        (``{"policy.tolerance.excuse_rate": 0.6}``).

    Returns
    -------
    int
        0 when written; 2 on bad input (one line per problem on stderr, nothing written).
    """
    out = Path(out)
    try:
        check_out_folder(out, OUTPUT_KIND)
        resolved = override(load_scenario(scenario, values=values), years=years, seed=seed)
    except (InputError, ScenarioError) as error:
        return report_error(str(error))
    except OSError as error:  # an unreadable file the loader did not name
        return report_error(f"{scenario}: {error.strerror or error}")

    from sim import CadreModel  # heavy imports only once the inputs are good

    model = CadreModel(resolved, rng=resolved.seed)
    with progress_bar(resolved.years, model) as bar:
        for _ in range(resolved.years):
            model.step()
            bar.update()
    tables = run_tables(model, resolved)
    manifest = run_manifest(resolved, scenario, command)
    try:
        check_out_folder(out, OUTPUT_KIND)  # again: the run took time
        with staging_dir(out) as staging:
            write_run(staging, tables, manifest, plot=plot)
    except InputError as error:
        return report_error(str(error))
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}")
    print(console_summary(tables["series"], resolved, out, plot=plot))
    return 0


def report_error(message: str) -> int:
    """Print ``youwei: error: <line>`` on stderr for each problem (line) of ``message``."""
    for line in message.splitlines() or [message]:
        print(f"youwei: error: {' '.join(line.split())}", file=sys.stderr)
    return 2


def override(scenario: Scenario, *, years: int | None, seed: int | None) -> Scenario:
    """``scenario`` with ``years`` and ``seed`` replaced where given.

    Raises
    ------
    InputError
        ``years`` < 1 or ``seed`` < 0 (``model_copy`` does not validate).
    """
    update = {}
    if years is not None:
        if not 1 <= years <= MAX_YEARS:
            raise InputError("--years", f"an integer in [1, {MAX_YEARS}]", got=str(years))
        update["years"] = int(years)
    if seed is not None:
        if not 0 <= seed <= MAX_SEED:
            raise InputError("--seed", "an integer in [0, 2**63 - 1]", got=str(seed))
        update["seed"] = int(seed)
    return scenario.model_copy(update=update) if update else scenario


def progress_bar(years: int, model) -> tqdm:
    """A yearly progress bar on stderr, shown only on a terminal and only for long runs.

    ``delay`` keeps short runs silent; a non-terminal stderr (a pipe, a log
    file, pytest's capture) never gets one.
    """
    cadres = _cadre_count(model)
    return tqdm(total=years, unit="year", file=sys.stderr, leave=False,
                delay=PROGRESS_DELAY_SECONDS, disable=not _is_terminal(sys.stderr),
                desc=f"{cadres:,} cadres" if cadres else None)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _cadre_count(model) -> int:
    try:
        return len(model.population)
    except (AttributeError, TypeError):
        return 0


def run_tables(model, scenario: Scenario) -> dict[str, pd.DataFrame]:
    """The tables of a finished run: ``series``, ``cadres``, ``moves``, ``errors``.

    ``series`` gets a ``year`` column (if the reporters have none) and the
    provenance columns ``scenario``, ``scenario_hash`` and ``seed`` at its front.
    """
    series = model.datacollector.get_model_vars_dataframe()
    if "year" not in series.columns:
        series = series.rename_axis("year").reset_index()
    series = series.reset_index(drop=True)
    provenance = pd.DataFrame({
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "seed": scenario.seed,
    }, index=series.index)
    series = pd.concat([provenance, series.drop(columns=list(PROVENANCE_COLUMNS),
                                                errors="ignore")], axis=1)
    return {
        "series": series,
        "cadres": model.population_frame(),
        "moves": model.moves_frame(),
        "errors": model.errors_frame(),
    }


def run_manifest(scenario: Scenario, source: str, command: Sequence[str] | None) -> dict:
    """The content of ``manifest.json`` (no timestamp: same inputs, same manifest)."""
    return to_json_safe({
        **output_signature(OUTPUT_KIND),
        "scenario": {
            "name": scenario.name,
            "source": str(source),
            "sha256": scenario_hash(scenario),
            "resolved": scenario.model_dump(mode="json"),
            "resolved_toml": resolved_toml(scenario),
        },
        "seed": scenario.seed,
        "years": scenario.years,
        "software": software_versions(),
        "command": command_line(command),
    })


def write_run(folder: Path, tables: dict[str, pd.DataFrame], manifest: dict, *,
              plot: bool) -> None:
    """Write the run files into ``folder`` (an empty staging folder)."""
    series = tables["series"]
    series.to_parquet(folder / "series.parquet", index=False)
    series.to_csv(folder / "series.csv", index=False, lineterminator="\n")
    tables["cadres"].to_parquet(folder / "cadres.parquet", index=False)
    tables["moves"].to_csv(folder / "moves.csv", index=False, lineterminator="\n")
    tables["errors"].to_csv(folder / "errors.csv", index=False, lineterminator="\n")
    files = list(DATA_FILES)
    if plot:
        files += save_figures(series, folder)
    manifest = {**manifest, "files": files}
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False)
    (folder / "manifest.json").write_text(text + "\n", encoding="utf-8")


def console_summary(series: pd.DataFrame, scenario: Scenario, out: Path, *,
                    plot: bool = False) -> str:
    """A few lines for the terminal: the run, key metrics in the first and last year, files."""
    first, last = series.iloc[0], series.iloc[-1]
    label_width = max(len(label) for label, _, _ in SUMMARY_METRICS)
    head_first, head_last = f"year {first['year']}", f"year {last['year']}"
    width = max(10, len(head_first), len(head_last))
    lines = [
        f"scenario {scenario.name} ({scenario_hash(scenario)[:12]}), seed {scenario.seed}, "
        f"{scenario.years} years",
        f"{'':<{label_width}}  {head_first:>{width}}  {head_last:>{width}}",
    ]
    for label, columns, fmt in SUMMARY_METRICS:
        if all(column in series.columns for column in columns):
            values = [series[list(columns)].iloc[row].sum(min_count=1) for row in (0, -1)]
            lines.append(f"{label:<{label_width}}  {_cell(fmt, values[0]):>{width}}  "
                         f"{_cell(fmt, values[1]):>{width}}")
    files = ", ".join(DATA_FILES) + (", " + ", ".join(FIGURE_FILES) if plot else "")
    lines.append(f"wrote {out} ({files})")
    return "\n".join(lines)


def _cell(fmt: str, value: object) -> str:
    try:
        return "-" if pd.isna(value) else fmt.format(value)
    except (TypeError, ValueError):
        return str(value)

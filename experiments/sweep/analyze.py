"""Sensitivity analysis of a finished sweep (``youwei analyze FOLDER``).

Each output is first averaged over the replications of each point (the
replicate mean: runs that failed are left out), so the indices describe the
model's expected response, not one seed's noise. Then, by design:

``sobol``
    First-order and total Sobol' indices S1 and ST with bootstrap confidence
    intervals (``SALib.analyze.sobol``; Saltelli et al. 2010; Jansen's total
    estimator), and S2 with ``second_order = true``. S1 is the share of the
    output's variance due to the parameter alone, ST including its interactions.
``morris``
    Elementary effects (``SALib.analyze.morris``; Morris 1991, Campolongo et
    al. 2007): mu* (mean absolute effect, a parameter's importance), its
    bootstrap confidence interval, and sigma (spread of the effects:
    non-linearity or interactions). Effects are per unit of the parameter's
    range scaled to [0, 1], so parameters in different units compare.
``lhs``
    PAWN indices (``SALib.analyze.pawn``; Pianosi & Wagener 2015, 2018): a
    moment-independent, density-based measure that any random sample supports,
    so it costs no extra runs; the median over ``slices`` conditioning
    intervals of the Kolmogorov-Smirnov distance between the output's
    distribution and its distribution with the parameter fixed in a slice.
    Needs at least ~10 points per slice to mean much (a warning says so).
``grid``, ``list``
    No indices (they need their designs); the replicate means and scatter plots.

Trust. Each Sobol' and Morris index is also computed on the first quarter and
half of the base samples (trajectories) of the design: ``convergence.csv``
holds the index at N/4, N/2 and N, and a warning names each index that moved
by more than its interval (or 0.05) between N/2 and N. A warning also names
each index whose 95% interval is wider than the index itself (not resolved at
this sample size) and each index negative beyond its interval (numerical
error of the estimator: more samples are needed); they are printed, and kept
in ``analysis.json`` under ``warnings``.

The ``_conf`` columns are SALib's: the half-width of the 95% confidence
interval (``conf_level = 0.95``), from ``RESAMPLES`` bootstrap resamples seeded
with the sweep's root seed, so the same folder gives the same numbers.

Outputs in ``FOLDER/analysis`` (replaced as a whole on each analysis):
``replicate_means.csv`` (one row per point: sample, parameters, the mean of
each output, finished replications), ``sobol.csv``, ``morris.csv`` or
``pawn.csv`` (one row per output and parameter), ``convergence.csv`` (Sobol'
and Morris), ``analysis.json`` (method, confidence level,
resamples, outputs left out and why, the sweep's SHA-256, software versions,
the command), and PNG figures: ``sobol_<output>.png`` (S1 and ST with their
intervals), ``morris_<output>.png`` (mu* against sigma, the usual Morris
plane, and mu* with its interval), ``scatter_<output>.png`` (the replicate
mean against each parameter).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.common.provenance import atomic_dir, command_line, software_versions, to_json_safe
from experiments.sweep.designs import DesignMethod, salib_problem
from experiments.sweep.engine import ANALYSIS, DESIGN, MANIFEST, RUNS, UNIT_PREFIX, SweepStatus

CONF_LEVEL = 0.95
RESAMPLES = 1000
DPI = 120
FINISHED = "finished_replications"


class AnalysisError(Exception):
    """A folder that cannot be analysed (not a sweep, or not finished); one line."""


@dataclass
class Analysis:
    """The result of :func:`analyze_sweep`.

    Attributes
    ----------
    folder : Path
    manifest : dict
        The sweep's manifest.
    method : DesignMethod
    parameters : list of str
    outputs : list of str
    means : pandas.DataFrame
        One row per point: ``sample``, the parameters, each output's replicate
        mean, ``finished_replications``.
    indices : pandas.DataFrame
        Sobol' (``output, parameter, S1, S1_conf, ST, ST_conf``) or Morris
        (``output, parameter, mu, mu_star, mu_star_conf, sigma``) rows; empty
        for other designs.
    second_order : pandas.DataFrame
        Sobol' with ``second_order``: ``output, parameter, other, S2, S2_conf``.
    skipped : dict
        Output -> why no indices were computed for it.
    files : list of str
        Written by :func:`write_analysis`.
    """

    folder: Path
    manifest: dict
    method: DesignMethod
    parameters: list[str]
    outputs: list[str]
    means: pd.DataFrame
    indices: pd.DataFrame
    second_order: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    convergence: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)


def analyze_sweep(folder: Path) -> Analysis:
    """Replicate means and sensitivity indices of the sweep in ``folder``.

    Raises
    ------
    AnalysisError
        No sweep manifest, or the sweep is not complete.
    """
    folder = Path(folder)
    manifest = read_sweep_manifest(folder)
    spec = manifest["spec"]
    method = DesignMethod(spec["design"]["method"])
    parameters = list(manifest["design"]["parameters"])
    outputs = list(manifest["outputs"])
    design = pd.read_parquet(folder / DESIGN)
    runs = pd.read_parquet(folder / RUNS)
    means = replicate_means(runs, design, parameters, outputs)
    seed = int(manifest["seeds"]["root"])
    indices, second, skipped = pd.DataFrame(), pd.DataFrame(), {}
    convergence, notes = pd.DataFrame(), []
    if method is DesignMethod.SOBOL:
        order2 = bool(spec["design"]["second_order"])
        indices, second, skipped = sobol_indices(means, parameters, outputs, order2, seed)
        step = (2 * len(parameters) + 2) if order2 else (len(parameters) + 2)
        convergence = converging(
            means, step, lambda part: sobol_indices(part, parameters, outputs, order2,
                                                    seed)[0], ("S1", "ST"))
    elif method is DesignMethod.MORRIS:
        unit = design[[UNIT_PREFIX + p for p in parameters]].to_numpy(float)
        levels = int(spec["design"]["num_levels"])
        indices, skipped = morris_indices(means, unit, parameters, outputs, levels, seed)
        step = len(parameters) + 1
        convergence = converging(
            means, step, lambda part: morris_indices(part, unit[:len(part)], parameters,
                                                     outputs, levels, seed)[0], ("mu_star",))
    elif method is DesignMethod.LHS:
        unit = design[[UNIT_PREFIX + p for p in parameters]].to_numpy(float)
        indices, skipped, notes = pawn_indices(means, unit, parameters, outputs, seed)
    notes += trust_warnings(indices, convergence)
    return Analysis(folder, manifest, method, parameters, outputs, means, indices, second,
                    skipped, convergence=convergence, warnings=notes)


def read_sweep_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise AnalysisError(f"{folder}: expected a sweep folder, got "
                            f"{'a file' if folder.exists() else 'nothing (no such folder)'}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnalysisError(f"{folder}: expected a sweep folder (written by youwei sweep), "
                            f"found no manifest.json") from None
    except (OSError, ValueError) as error:
        raise AnalysisError(f"{path}: cannot be read ({error})") from None
    if manifest.get("status") != SweepStatus.COMPLETE.value or not (folder / RUNS).exists():
        raise AnalysisError(f"{folder}: the sweep is not finished (status "
                            f"{manifest.get('status')!r}): finish it with youwei sweep ... "
                            f"--resume")
    return manifest


def replicate_means(runs: pd.DataFrame, design: pd.DataFrame, parameters: Sequence[str],
                    outputs: Sequence[str]) -> pd.DataFrame:
    """One row per point of the design: its parameters, each output's mean over its
    finished replications (NaN without any), and how many finished."""
    grouped = runs.groupby("sample")
    means = grouped[list(outputs)].mean()
    means[FINISHED] = grouped.size()
    table = design[["sample", *parameters]].merge(means, left_on="sample", right_index=True,
                                                  how="left")
    table[FINISHED] = table[FINISHED].fillna(0).astype(np.int64)
    return table.reset_index(drop=True)


def usable(y: np.ndarray) -> str | None:
    """Why an output's replicate means cannot be analysed, or None."""
    missing = int(np.isnan(y).sum())
    if missing:
        return (f"undefined at {missing} of {len(y)} points (no finished replication, or "
                f"the output is never defined there)")
    if np.ptp(y) == 0:
        return "constant over the design: every index is 0 or undefined"
    return None


def sobol_indices(means: pd.DataFrame, parameters: Sequence[str], outputs: Sequence[str],
                  second_order: bool, seed: int
                  ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Sobol' S1 and ST (and S2) of each output's replicate means (SALib)."""
    from SALib.analyze import sobol

    problem = salib_problem(parameters)
    rows, pairs, skipped = [], [], {}
    for output in outputs:
        y = means[output].to_numpy(float)
        why = usable(y)
        if why:
            skipped[output] = why
            continue
        result = sobol.analyze(problem, y, calc_second_order=second_order,
                               num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=seed)
        for i, name in enumerate(parameters):
            rows.append({"output": output, "parameter": name,
                         "S1": result["S1"][i], "S1_conf": result["S1_conf"][i],
                         "ST": result["ST"][i], "ST_conf": result["ST_conf"][i]})
            if second_order:
                for j in range(i + 1, len(parameters)):
                    pairs.append({"output": output, "parameter": name, "other": parameters[j],
                                  "S2": result["S2"][i, j], "S2_conf": result["S2_conf"][i, j]})
    columns = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    return (pd.DataFrame(rows, columns=columns),
            pd.DataFrame(pairs, columns=["output", "parameter", "other", "S2", "S2_conf"]),
            skipped)


def morris_indices(means: pd.DataFrame, unit: np.ndarray, parameters: Sequence[str],
                   outputs: Sequence[str], num_levels: int, seed: int
                   ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Morris mu, mu* (with its interval) and sigma of each output's replicate means (SALib)."""
    from SALib.analyze import morris

    problem = salib_problem(parameters)
    rows, skipped = [], {}
    for output in outputs:
        y = means[output].to_numpy(float)
        why = usable(y)
        if why:
            skipped[output] = why
            continue
        result = morris.analyze(problem, unit, y, num_resamples=RESAMPLES,
                                conf_level=CONF_LEVEL, num_levels=num_levels, seed=seed)
        for i, name in enumerate(parameters):
            rows.append({"output": output, "parameter": name, "mu": float(result["mu"][i]),
                         "mu_star": float(result["mu_star"][i]),
                         "mu_star_conf": float(result["mu_star_conf"][i]),
                         "sigma": float(result["sigma"][i])})
    columns = ["output", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    return pd.DataFrame(rows, columns=columns), skipped


PAWN_POINTS_PER_SLICE = 10
"""Fewer points per conditioning slice than this, and PAWN's distances are mostly noise."""


def pawn_indices(means: pd.DataFrame, unit: np.ndarray, parameters: Sequence[str],
                 outputs: Sequence[str], seed: int
                 ) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """PAWN indices (median, min, max over the slices, and CV) of each output (SALib)."""
    from SALib.analyze import pawn

    problem = salib_problem(parameters)
    slices = max(2, min(10, len(means) // PAWN_POINTS_PER_SLICE))
    rows, skipped, notes = [], {}, []
    if len(means) < 2 * PAWN_POINTS_PER_SLICE:
        notes.append(f"PAWN on {len(means)} points ({slices} slices of about "
                     f"{len(means) // slices}): fewer than {PAWN_POINTS_PER_SLICE} points per "
                     f"slice, the indices are mostly sampling noise; use at least "
                     f"{2 * PAWN_POINTS_PER_SLICE} points")
    for output in outputs:
        y = means[output].to_numpy(float)
        why = usable(y)
        if why:
            skipped[output] = why
            continue
        result = pawn.analyze(problem, unit, y, S=slices, seed=seed)
        for i, name in enumerate(parameters):
            rows.append({"output": output, "parameter": name,
                         "median": float(result["median"][i]),
                         "minimum": float(result["minimum"][i]),
                         "maximum": float(result["maximum"][i]),
                         "CV": float(result["CV"][i])})
    columns = ["output", "parameter", "median", "minimum", "maximum", "CV"]
    return pd.DataFrame(rows, columns=columns), skipped, notes


def converging(means: pd.DataFrame, step: int, analyse, columns: Sequence[str]) -> pd.DataFrame:
    """Indices on the first N/4, N/2 and all N base samples (trajectories) of a design.

    Saltelli's and Morris' samples are blocks of ``step`` rows, one block per
    base sample or trajectory, so the first k blocks are the design of size k.
    """
    blocks = len(means) // step
    sizes = sorted({k for k in (blocks // 4, blocks // 2, blocks) if k >= 2})
    parts = []
    for size in sizes:
        table = analyse(means.iloc[:size * step].reset_index(drop=True))
        parts.append(table[["output", "parameter", *columns]].assign(n=size))
    if not parts:
        return pd.DataFrame(columns=["output", "parameter", "n", *columns])
    frame = pd.concat(parts, ignore_index=True)
    return frame[["output", "parameter", "n", *columns]]


CONVERGED = 0.05
"""An index that moves less than this (or its interval) between N/2 and N counts as settled."""


def trust_warnings(indices: pd.DataFrame, convergence: pd.DataFrame) -> list[str]:
    """One line per index not to be read at face value (see the module docstring)."""
    notes = []
    pairs = [("S1", "S1_conf"), ("ST", "ST_conf"), ("mu_star", "mu_star_conf")]
    for _, row in indices.iterrows():
        for index, conf in pairs:
            if index not in row or conf not in row:
                continue
            value, half = float(row[index]), float(row[conf])
            where = f"{index} of {row['parameter']} on {row['output']} = {value:.3f}"
            if value + half < 0:
                notes.append(f"{where} is negative beyond its interval (±{half:.3f}): "
                             f"estimation error, more samples are needed")
            elif half > abs(value):
                notes.append(f"{where}: its interval (±{half:.3f}) is wider than the index: "
                             f"not resolved at this sample size")
    if len(convergence) and convergence["n"].nunique() >= 2:
        sizes = sorted(convergence["n"].unique())
        half, full = sizes[-2], sizes[-1]
        keys = ["output", "parameter"]
        a = convergence[convergence["n"] == half].set_index(keys)
        b = convergence[convergence["n"] == full].set_index(keys)
        confs = indices.set_index(keys) if len(indices) else None
        for index in [c for c in convergence.columns if c not in (*keys, "n")]:
            for key in b.index:
                moved = abs(float(b.loc[key, index]) - float(a.loc[key, index]))
                conf = (float(confs.loc[key, f"{index}_conf"]) if confs is not None
                        and f"{index}_conf" in confs.columns else 0.0)
                if moved > max(conf, CONVERGED):
                    notes.append(f"{index} of {key[1]} on {key[0]} moved by {moved:.3f} between "
                                 f"{half} and {full} base samples: not converged")
    return notes


# --------------------------------------------------------------------------- writing


INDEX_FILES = {DesignMethod.SOBOL: "sobol.csv", DesignMethod.MORRIS: "morris.csv",
               DesignMethod.LHS: "pawn.csv"}
"""The indices table of each design, by file name."""


def write_analysis(analysis: Analysis, folder: Path, *,
                   command: Sequence[str] | None = None) -> Path:
    """Write tables and figures into ``folder/analysis`` (replaced whole); return that path."""
    target = Path(folder) / ANALYSIS
    files: list[str] = []
    with atomic_dir(target) as staging:
        def write_table(table, name: str) -> None:
            table.to_csv(staging / name, index=False, lineterminator="\n")
            files.append(name)

        write_table(analysis.means, "replicate_means.csv")
        if analysis.method in INDEX_FILES:
            write_table(analysis.indices, INDEX_FILES[analysis.method])
        if analysis.method is DesignMethod.SOBOL and len(analysis.second_order):
            write_table(analysis.second_order, "sobol_second_order.csv")
        if len(analysis.convergence):
            write_table(analysis.convergence, "convergence.csv")
        for output in analysis.outputs:
            figures = {f"scatter_{output}.png": plot_scatter(analysis.means, analysis.parameters,
                                                             output)}
            rows = analysis.indices[analysis.indices["output"] == output] \
                if len(analysis.indices) else analysis.indices
            if len(rows) and analysis.method is DesignMethod.SOBOL:
                figures[f"sobol_{output}.png"] = plot_sobol(rows, output)
            if len(rows) and analysis.method is DesignMethod.MORRIS:
                figures[f"morris_{output}.png"] = plot_morris(rows, output)
            if len(rows) and analysis.method is DesignMethod.LHS:
                figures[f"pawn_{output}.png"] = plot_pawn(rows, output)
            for name, figure in figures.items():
                figure.savefig(staging / name, dpi=DPI)
                figure.clear()
                files.append(name)
        files.append("analysis.json")
        analysis.files = files
        record = to_json_safe({
            "sweep": analysis.manifest["sweep"],
            "method": analysis.method.value,
            "replicate_means": "each output averaged over the finished replications of a point",
            "conf_level": CONF_LEVEL if analysis.method in (DesignMethod.SOBOL,
                                                            DesignMethod.MORRIS) else None,
            "resamples": RESAMPLES if analysis.method in (DesignMethod.SOBOL,
                                                          DesignMethod.MORRIS) else None,
            "bootstrap_seed": analysis.manifest["seeds"]["root"],
            "skipped": analysis.skipped,
            "warnings": analysis.warnings,
            "convergence": ("indices on the first N/4, N/2 and N base samples (trajectories)"
                            if len(analysis.convergence) else None),
            "software": software_versions(("youwei", "SALib", "numpy", "pandas")),
            "command": command_line(command),
            "files": files,
        })
        text = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False)
        (staging / "analysis.json").write_text(text + "\n", encoding="utf-8")
    return target


def plot_sobol(rows: pd.DataFrame, output: str) -> Figure:
    """Horizontal bars of S1 and ST per parameter with their 95% intervals."""
    height = 1.2 + 0.45 * len(rows)
    figure = Figure(figsize=(6.4, height), layout="constrained")
    ax = figure.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="first order S1", capsize=3)
    ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="total ST", capsize=3)
    ax.set_yticks(y, [short_name(p) for p in rows["parameter"]], fontsize="small")
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Sobol' index ({CONF_LEVEL:.0%} interval)")
    ax.set_title(f"{output}: Sobol' indices")
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return figure


def plot_morris(rows: pd.DataFrame, output: str) -> Figure:
    """mu* against sigma (the Morris plane) and mu* per parameter with its interval."""
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    plane, bars = figure.subplots(1, 2)
    plane.scatter(rows["mu_star"], rows["sigma"])
    # Numbers on the plane (names there overlap), the names on the bar chart beside it.
    for number, (_, row) in enumerate(rows.iterrows(), start=1):
        plane.annotate(str(number), (row["mu_star"], row["sigma"]), fontsize=8,
                       xytext=(3, 3), textcoords="offset points")
    top = max(float(rows["mu_star"].max()), float(rows["sigma"].max()), 1e-12) * 1.1
    plane.plot([0, top], [0, top], color="grey", linewidth=0.8, linestyle="--",
               label="sigma = mu*")
    plane.set_xlim(0, top)
    plane.set_ylim(0, top)
    plane.set_xlabel("mu* (mean |elementary effect|)")
    plane.set_ylabel("sigma (spread of the effects)")
    plane.set_title(f"{output}: Morris plane")
    plane.legend(loc="upper left")
    plane.grid(alpha=0.3)
    y = np.arange(len(rows))
    bars.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], capsize=3)
    bars.set_yticks(y, [f"{i} {short_name(p)}" for i, p in enumerate(rows["parameter"], 1)],
                    fontsize="small")
    bars.invert_yaxis()
    bars.set_xlabel(f"mu* ({CONF_LEVEL:.0%} interval)")
    bars.set_title("importance")
    bars.grid(axis="x", alpha=0.3)
    return figure


def short_name(path: str) -> str:
    """The last two parts of a dotted path (``tolerance.excuse_rate``): labels that fit."""
    return ".".join(path.split(".")[-2:])


def plot_pawn(rows: pd.DataFrame, output: str) -> Figure:
    """PAWN median per parameter, with the range over the slices."""
    height = 1.2 + 0.4 * len(rows)
    figure = Figure(figsize=(6.4, height), layout="constrained")
    ax = figure.add_subplot()
    y = np.arange(len(rows))
    low = rows["median"] - rows["minimum"]
    high = rows["maximum"] - rows["median"]
    ax.barh(y, rows["median"], xerr=[low, high], capsize=3)
    ax.set_yticks(y, [short_name(p) for p in rows["parameter"]], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("PAWN index: median KS distance (bars: min to max over slices)")
    ax.set_title(f"{output}: PAWN indices")
    ax.grid(axis="x", alpha=0.3)
    return figure


def plot_scatter(means: pd.DataFrame, parameters: Sequence[str], output: str) -> Figure:
    """The replicate mean of ``output`` against each parameter, one panel each."""
    columns = min(3, len(parameters))
    rows = math.ceil(len(parameters) / columns)
    figure = Figure(figsize=(3.6 * columns, 3.0 * rows), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for ax, name in zip(axes, parameters, strict=False):
        x = means[name]
        if not pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x):
            x = x.map(str)
        ax.scatter(x, means[output], s=12, alpha=0.7)
        ax.set_xlabel(short_name(name), fontsize=8)
        ax.set_ylabel(output, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(parameters):]:
        ax.set_visible(False)
    figure.suptitle(f"{output}: replicate means")
    return figure


def console_table(analysis: Analysis) -> str:
    """A few lines for the terminal: the indices (or a note that the design has none)."""
    sweep = analysis.manifest["sweep"]
    lines = [f"sweep {sweep['name']} ({sweep['sha256'][:12]}): {analysis.method.value} design, "
             f"{len(analysis.means):,} points"]
    if len(analysis.indices):
        table = analysis.indices.copy()
        for column in table.columns[2:]:
            table[column] = table[column].map(lambda v: f"{v:.3f}")
        lines.append(table.to_string(index=False))
    elif analysis.method not in (DesignMethod.SOBOL, DesignMethod.MORRIS, DesignMethod.LHS):
        lines.append(f"a {analysis.method.value} design has no sensitivity indices "
                     f"(use sobol, morris, or lhs for PAWN): replicate means and scatter "
                     f"plots only")
    for output, why in analysis.skipped.items():
        lines.append(f"{output}: no indices: {why}")
    for note in analysis.warnings:
        lines.append(f"warning: {note}")
    return "\n".join(lines)

"""``youwei discover DIR --outcome NAME --below/--above VALUE``: where does an outcome fail?

::

    youwei discover results/robust --outcome mean_effort --below 0.5 [--package ordos]
    youwei discover results/sweep --outcome punished_honest_share --above 0.8

``DIR`` is a finished ``youwei robust`` or ``youwei sweep`` folder. Each world
(a design point) is one case: its outcome is the mean over its replications
(for a robust folder, under one package: ``--package``, default the first).
A case of interest is a world where the outcome is below (or above) the
value. PRIM (:mod:`experiments.discover.prim`) then finds the box of
uncertainties (and, in a sweep over levers, levers) where those cases
concentrate.

Writes ``DIR/discovery/<outcome>_<below|above>_<value>[_<package>]/``:
``trajectory.csv`` (each peeling step: coverage, density, mass, restricted
dimensions, the box's limits), ``box.json`` (the chosen box: coverage,
density, mass, each restriction with its limits and resampling p-value), and
``peeling.png`` (the trade-off between coverage and density along the
trajectory, the chosen box marked), ``cart.csv`` (the cross-check: each leaf of
a classification tree where failing cases are the majority, as a box with its
coverage, density and mass; :mod:`experiments.discover.cart`; also under
``"cart"`` in ``box.json``) and ``report.html`` (the PRIM box beside the CART
leaves, in ``--lang``). A robust report written afterwards lists the boxes,
PRIM's and CART's, in its summary.

Exit codes: 0 written; 2 bad input (not a finished folder, an unknown outcome
or package, no case of interest, or every case one): one line on stderr.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from experiments.sweep.command import EXIT_OK, report_error


class DiscoverError(Exception):
    """A folder or option ``discover`` cannot use (one line, exit code 2)."""


@dataclass(frozen=True)
class Cases:
    """The cases PRIM looks at: one row per world.

    Attributes
    ----------
    names : tuple of str
        The input dimensions.
    x : (n_cases, n_dims) float
    outcome : (n_cases,) float
    levels : dict of str -> list
        For a dimension of discrete levels, the levels its codes 0, 1, ... stand for.
    """

    names: tuple[str, ...]
    x: object
    outcome: object
    levels: dict


def read_cases(folder: Path, outcome: str, package: str | None) -> tuple[Cases, str | None]:
    """The worlds of a robust or sweep folder, as inputs and one outcome (mean over
    replications); also the package used (robust folders)."""
    import numpy as np
    import pandas as pd

    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DiscoverError(f"{folder}: expected a folder written by youwei robust or youwei "
                            f"sweep (no readable manifest.json)") from None
    if manifest.get("status") != "complete":
        raise DiscoverError(f"{folder}: the experiment is not finished (status "
                            f"{manifest.get('status')!r}): finish it with --resume first")
    if manifest.get("kind") == "robust":
        table = pd.read_parquet(folder / "results.parquet")
        names = list(manifest["uncertainties"])
        packages = list(manifest["packages"])
        if package is None:
            package = packages[0]
        elif package not in packages:
            raise DiscoverError(f"--package: expected one of {', '.join(packages)}, got "
                                f"{package!r}")
        table = table[table["package"] == package]
    elif "sweep" in manifest:
        if package is not None:
            raise DiscoverError("--package: only for a robust folder (a sweep has no packages)")
        table = pd.read_parquet(folder / "runs.parquet")
        names = list(manifest["design"]["parameters"])
    else:
        raise DiscoverError(f"{folder}: expected a folder written by youwei robust or youwei "
                            f"sweep")
    reserved = {"package", "sample", "replication", "seed", "run_id", *names}
    outcomes = [c for c in table.columns if c not in reserved
                and pd.api.types.is_numeric_dtype(table[c])]
    if outcome not in outcomes:
        raise DiscoverError(f"--outcome: expected one of {', '.join(outcomes)}, got {outcome!r}")
    worlds = table.groupby("sample", sort=True).agg(
        {**{n: "first" for n in names}, outcome: "mean"})
    worlds = worlds[worlds[outcome].notna()]
    columns, levels = [], {}
    for name in names:
        column = worlds[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            columns.append(column.to_numpy(float))
        else:
            values = sorted(column.astype(str).unique())
            levels[name] = values
            columns.append(column.astype(str).map({v: i for i, v in enumerate(values)})
                           .to_numpy(float))
    x = np.column_stack(columns) if columns else np.empty((len(worlds), 0))
    return Cases(tuple(names), x, worlds[outcome].to_numpy(float), levels), package


def run_discover(folder: Path, *, outcome: str, below: float | None = None,
                 above: float | None = None, package: str | None = None,
                 lang: str = "zh", command: Sequence[str] | None = None) -> int:
    """Find the box where ``outcome`` is below (or above) a value; write it; return the
    exit code (see the module docstring)."""
    folder = Path(folder)
    try:
        cases, package = read_cases(folder, outcome, package)
        if (below is None) == (above is None):
            raise DiscoverError("expected one of --below VALUE or --above VALUE")
        side, value = ("below", below) if below is not None else ("above", above)
        y = cases.outcome < value if side == "below" else cases.outcome > value
        low, high = cases.outcome.min(), cases.outcome.max()
        if not y.any() or y.all():
            what = "no" if not y.any() else "every"
            raise DiscoverError(f"--{side}: {what} world has {outcome} {side} {value:g} "
                                f"(its values run from {low:.4g} to {high:.4g}): choose a "
                                f"value inside that range")
    except DiscoverError as error:
        return report_error(str(error))
    result = discover(cases, y)
    stem = f"{outcome}_{side}_{value:g}" + (f"_{package}" if package else "")
    out = folder / "discovery" / stem
    try:
        write_discovery(out, cases, y, result, outcome=outcome, side=side, value=value,
                        package=package, lang=lang, command=command)
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}")
    print(console_box(result, outcome=outcome, side=side, value=value, package=package,
                      cases=cases, y=y))
    print(f"wrote {out} (trajectory.csv, box.json, cart.csv, peeling.png, report.html)")
    return EXIT_OK


@dataclass(frozen=True)
class Discovery:
    """PRIM's trajectory, the index of its chosen box and that box's restrictions; the
    failure leaves of CART (the cross-check), highest coverage first."""

    trajectory: list
    chosen: int
    restrictions: list
    leaves: list


def discover(cases: Cases, y) -> Discovery:
    """PRIM's trajectory, the chosen box and its restrictions with p-values; CART's
    failure leaves on the same inputs."""
    from experiments.discover.cart import failure_leaves
    from experiments.discover.prim import choose_box, peel, restrictions

    trajectory = peel(cases.x, y)
    chosen = choose_box(trajectory)
    found = restrictions(cases.x, y, trajectory[chosen], cases.names)
    return Discovery(trajectory, chosen, found, failure_leaves(cases.x, y))


def limits_text(name: str, low: float, high: float, levels: dict) -> str:
    if name in levels:
        return "{" + ", ".join(level_names(name, low, high, levels)) + "}"
    return f"[{low:.4g}, {high:.4g}]"


def console_box(result: Discovery, *, outcome: str, side: str, value: float,
                package: str | None, cases: Cases, y) -> str:
    from experiments.discover.report import CART_SHOWN

    step = result.trajectory[result.chosen]
    head = (f"{outcome} {side} {value:g}" + (f" under {package}" if package else "")
            + f": {int(y.sum())} of {len(y)} worlds")
    lines = [head,
             f"box {result.chosen} of {len(result.trajectory) - 1} peels: coverage "
             f"{step.coverage:.0%}, density {step.density:.0%}, mass {step.mass:.0%}"]
    for r in result.restrictions:
        lines.append(f"  {r.name} in {limits_text(r.name, r.low, r.high, cases.levels)}  "
                     f"(resampling p = {r.p_value:.3f})")
    if not result.restrictions:
        lines.append("  no restriction: the failures are spread over the whole space")
    if not result.leaves:
        lines.append("CART cross-check: no leaf of the tree where failing worlds are the "
                     "majority")
    for leaf in result.leaves[:CART_SHOWN]:
        limits = ", ".join(f"{name} in {limits_text(name, low, high, cases.levels)}"
                           for name, low, high in leaf_restrictions(leaf, cases))
        lines.append(f"CART leaf: coverage {leaf.coverage:.0%}, density {leaf.density:.0%}, "
                     f"mass {leaf.mass:.0%}: {limits or 'no split'}")
    return "\n".join(lines)


def leaf_restrictions(leaf, cases: Cases) -> list[tuple[str, float, float]]:
    """``(name, low, high)`` of each dimension split on the way to ``leaf``."""
    return [(cases.names[j], float(leaf.box.low[j]), float(leaf.box.high[j]))
            for j in leaf.restricted]


def leaf_record(leaf, cases: Cases) -> dict:
    """A CART leaf as JSON: coverage, density, mass, and each split dimension's limits."""
    return {"coverage": leaf.coverage, "density": leaf.density, "mass": leaf.mass,
            "restrictions": [{"name": name, "low": low, "high": high,
                              "levels": level_names(name, low, high, cases.levels)}
                             for name, low, high in leaf_restrictions(leaf, cases)]}


def level_names(name: str, low: float, high: float, levels: dict) -> list | None:
    """The levels of a coded dimension inside [low, high] (None for a numeric one)."""
    if name not in levels:
        return None
    return [v for i, v in enumerate(levels[name]) if low <= i <= high]


def write_discovery(out: Path, cases: Cases, y, result: Discovery, *, outcome: str, side: str,
                    value: float, package: str | None, lang: str,
                    command: Sequence[str] | None) -> None:
    import pandas as pd

    from experiments.common.provenance import command_line
    from experiments.discover.report import render_discovery
    from experiments.sweep.engine import write_atomic

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, step in enumerate(result.trajectory):
        row = {"step": index, "coverage": step.coverage, "density": step.density,
               "mass": step.mass, "restricted": ";".join(cases.names[j] for j in step.restricted)}
        for j, name in enumerate(cases.names):
            row[f"{name}:low"] = float(step.box.low[j])
            row[f"{name}:high"] = float(step.box.high[j])
        rows.append(row)
    write_atomic(pd.DataFrame(rows).to_csv(index=False, lineterminator="\n").encode("utf-8"),
                 out / "trajectory.csv")
    step = result.trajectory[result.chosen]
    box = {
        "outcome": outcome, "side": side, "value": value, "package": package,
        "cases": int(len(y)), "cases_of_interest": int(y.sum()),
        "step": result.chosen, "coverage": step.coverage, "density": step.density,
        "mass": step.mass,
        "restrictions": [{"name": r.name, "low": r.low, "high": r.high,
                          "levels": level_names(r.name, r.low, r.high, cases.levels),
                          "p_value": r.p_value} for r in result.restrictions],
        "cart": [leaf_record(leaf, cases) for leaf in result.leaves],
        "method": "PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010), peel alpha 0.05, "
                  "mass_min 0.05; box: highest coverage with density >= 0.8; p-values from "
                  "199 permutations of each restricted dimension; cross-check: CART "
                  "(scikit-learn DecisionTreeClassifier, Gini, min_samples_leaf = 5% of the "
                  "cases, random_state 0), leaves where failing cases are the majority",
        "command": command_line(command),
    }
    write_atomic((json.dumps(box, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
                 out / "box.json")
    write_atomic(cart_table(result, cases).to_csv(index=False, lineterminator="\n")
                 .encode("utf-8"), out / "cart.csv")
    png = peeling_png(result, lang)
    write_atomic(png, out / "peeling.png")
    write_atomic(render_discovery(box, png, lang).encode("utf-8"), out / "report.html")


def cart_table(result: Discovery, cases: Cases):
    """One row per CART failure leaf: coverage, density, mass, split dimensions, limits."""
    import pandas as pd

    rows = []
    for index, leaf in enumerate(result.leaves):
        row = {"leaf": index, "coverage": leaf.coverage, "density": leaf.density,
               "mass": leaf.mass,
               "restricted": ";".join(cases.names[j] for j in leaf.restricted)}
        for j, name in enumerate(cases.names):
            row[f"{name}:low"] = float(leaf.box.low[j])
            row[f"{name}:high"] = float(leaf.box.high[j])
        rows.append(row)
    columns = ["leaf", "coverage", "density", "mass", "restricted",
               *(f"{n}:{side}" for n in cases.names for side in ("low", "high"))]
    return pd.DataFrame(rows, columns=columns)


def peeling_png(result: Discovery, lang: str) -> bytes:
    """Coverage against density along the peeling trajectory; the chosen box circled."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from experiments.common.fonts import figure_language, font_rc
    from experiments.common.i18n import text
    from experiments.simulation.compare_report import figure_png

    shown = figure_language(lang)
    with matplotlib.rc_context(font_rc(shown)):
        figure = Figure(figsize=(5.6, 4.2), layout="constrained")
        ax = figure.add_subplot()
        coverage = [s.coverage for s in result.trajectory]
        density = [s.density for s in result.trajectory]
        restricted = [len(s.restricted) for s in result.trajectory]
        points = ax.scatter(coverage, density, c=restricted, cmap="viridis", s=18)
        chosen = result.trajectory[result.chosen]
        ax.scatter([chosen.coverage], [chosen.density], s=140, facecolors="none",
                   edgecolors="red", linewidths=1.6)
        ax.set_xlabel(text("planner.axis_coverage", shown))
        ax.set_ylabel(text("planner.axis_density", shown))
        ax.set_title(text("planner.fig_peeling", shown), fontsize="medium")
        ax.grid(alpha=0.3)
        bar = figure.colorbar(points, ax=ax, label=text("planner.axis_restricted", shown))
        bar.locator = MaxNLocator(integer=True)  # a count of dimensions
        bar.update_ticks()
        return figure_png(figure)

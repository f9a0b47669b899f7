"""``youwei compare``: simulate scenarios under common random numbers and compare them.

::

    youwei compare baseline ordos zhangdian --replications 30 --years 15 --seed 1 \\
                   --out results/compare/

Replication k of every scenario runs from child k of
``np.random.SeedSequence(seed)``, so the differences from the first scenario
are paired by replication (see ``experiments.simulation.compare``).

Outputs in ``--out`` (written into a temporary sibling folder that replaces
``--out`` only once complete; an existing ``--out`` is replaced only when its
``manifest.json`` marks it as a previous comparison and it holds nothing else):

``series.parquet``
    The tidy table: one row per (scenario, replication, year), one column per
    metric, led by the provenance columns ``scenario``, ``scenario_hash``,
    ``seed`` (the root seed) and ``replication``. Streamed to disk one scenario
    at a time; the file's metadata (key ``youwei``) holds the provenance too.
``summary.csv``
    One row per (metric, statistic, scenario): ``statistic`` is ``final`` (the
    last year) or ``mean`` (the average over the years); ``mean``, ``ci_low``,
    ``ci_high`` over replications; ``diff``, ``diff_ci_low``, ``diff_ci_high``
    from the first scenario (paired by replication) and ``significant`` where
    that interval excludes zero; then the provenance columns ``scenario_hash``,
    ``seed``, ``replications``, ``years``, ``youwei_version``.
``manifest.json``
    The scenarios as resolved (JSON and TOML) with their hashes and sources,
    the seed, replications, years, confidence level, the derived metrics'
    definitions, software versions, the command line and the files written.
``effort.png``, ``efficiency.png``, ``errors.png``, ``promotion_shares.png``, ``exits.png``
    Yearly means over replications with 95% bands, one line per scenario.
``differences.png``
    The paired differences from the first scenario in the final year.
``report.html``
    One self-contained page: what was compared, how the scenarios differ, key
    results, the figures, caveats and provenance.

Exit codes
----------
0  comparison written.
2  bad input (fewer than 2 scenarios, a scenario that does not load,
   replications < 2, bad ``--years``/``--seed``/``--workers``/``--scheduler``,
   scenarios of different kinds or years, an unusable ``--out``): one line on
   stderr starting with ``youwei: error:``, nothing written.
3  a replication raised: its error on one line, nothing written.
4  a worker process died: nothing written.

The replications run through the shared runner (``experiments.common.runner``):
``--workers N`` local processes (default one per core, as for ``youwei sweep``;
1 runs in this process) or ``--scheduler tcp://host:8786`` for a Dask cluster.
The results are the same on all three.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.common.errors import InputError
from experiments.common.folders import check_out_folder, output_signature, staging_dir
from experiments.common.provenance import (
    command_line,
    software_versions,
    to_json_safe,
)
from experiments.simulation.compare_report import (
    BAND_FIGURES,
    DIFFERENCE_FIGURE,
    FIGURE_FILES,
    console_table,
    figure_png,
    plot_bands,
    plot_differences,
    policy_differences,
    render_report,
)
from experiments.simulation.run import override, report_error
from scenarios import Scenario, ScenarioError, load_scenario, resolved_toml, scenario_hash
from scenarios.loader import HASH_DISPLAY_CHARS, world_name

DATA_FILES = ("series.parquet", "summary.csv", "pairwise.csv", "manifest.json", "report.html")
OUTPUT_FILES = DATA_FILES + FIGURE_FILES
"""The files ``run_compare`` may write (``manifest.json`` lists those it wrote)."""

OUTPUT_KIND = "comparison"
"""The signature in ``manifest.json`` by which a previous comparison in ``--out`` is known."""

EXIT_REPLICATION_FAILED = 3
EXIT_STOPPED = 4

MIN_SCENARIOS = 2
MIN_REPLICATIONS = 2  # a t-interval needs a sample standard deviation
SIZE_TOLERANCE = 0.05  # headcounts further apart than this get the "counts scale" caveat

CAPTIONS = {
    "effort": "Mean effort (0-1) of all cadres, of frontline units and of organs, by year.",
    "efficiency": "Organisational efficiency (responsibility-weighted mean performance), "
                  "by year.",
    "errors": "Errors by what became of them, per 100 cadres a year: honest errors excused "
              "(the intent of error tolerance) or punished (reverse punishment), self-serving "
              "errors excused (leakage) or punished.",
    "promotion_shares": "Shares of each year's promotions going to cadres in frontline units "
                        "and to young cadres.",
    "exits": "Voluntary exits per 100 cadres a year.",
}
"""Report captions of the band figures; each adds the band's meaning."""

BAND_NOTE = " Lines: mean over replications; shaded: 95% confidence interval of that mean."


@dataclass(frozen=True)
class Comparison:
    """A validated comparison, ready to run.

    Attributes
    ----------
    sources : tuple of str
        The scenarios as given (files or bundled names).
    scenarios : tuple of Scenario
        As run: ``years`` and ``seed`` set to the comparison's.
    labels : tuple of str
        Unique scenario labels (names, ``_2`` added to a repeat).
    replications, years, seed : int
    workers : int or None
        Local worker processes; None for one per core.
    world : str or None
        The name of the world every scenario's policy ran on (``"baseline"``),
        or ``None`` when each scenario ran on its own world.
    """

    sources: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    labels: tuple[str, ...]
    replications: int
    years: int
    seed: int
    workers: int | None
    world: str | None = None

    @property
    def hashes(self) -> tuple[str, ...]:
        return tuple(scenario_hash(s) for s in self.scenarios)


def run_compare(
    scenarios: list[str],
    *,
    replications: int,
    years: int | None,
    seed: int | None,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    command: list[str] | None = None,
    values: Mapping[str, Any] | None = None,
    world: str | Path | None = None,
    lang: str = "en",
) -> int:
    """Simulate each scenario ``replications`` times, compare them, write ``out``.

    Parameters
    ----------
    scenarios : list of str
        At least 2 scenario files or bundled names; the first is the reference.
        The same scenario may appear twice (its difference from itself is 0).
    replications : int
        Replications per scenario, >= 2. Replication k of every scenario uses
        the same seed (common random numbers).
    years : int, optional
        Years to simulate (>= 1); default the scenarios' ``years``, which must
        then agree.
    seed : int, optional
        Root seed (>= 0); default the first scenario's ``seed``.
    out : Path
        Output folder: created, or replaced if it holds a previous comparison.
    workers : int, optional
        Worker processes (>= 1; 1 runs in this process); default one per core,
        as for ``youwei sweep``. The results do not depend on it.
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``) whose workers run the
        replications instead (a trusted cluster: tasks travel as pickles).
    command : list of str, optional
        The command line, recorded in ``manifest.json`` and ``report.html``.
    values : mapping of str to value, optional
        Dotted paths set in every scenario (``--set``), validated.
    world : str or Path, optional
        Run every scenario's policy package on this world (a bundled world
        name or a world file; the CLI's default is ``"baseline"``); ``None``
        runs each scenario on its own world. ``Comparison.world`` names it.
    lang : {"en", "zh"}
        Language of ``report.html`` and its figures (the CLI's default is ``zh``).

    Returns
    -------
    int
        0 when written; 2 on bad input (one line per problem on stderr, nothing written);
        3 when a replication raised, 4 when a worker process died (one line, nothing
        written).
    """
    out = Path(out)
    try:
        check_out_folder(out, OUTPUT_KIND)
        plan = plan_comparison(scenarios, replications=replications, years=years, seed=seed,
                               workers=workers, values=values, world=world)
    except (InputError, ScenarioError) as error:
        return report_error(str(error))

    from experiments.common.runner import WorkersLost
    from experiments.simulation.compare import (
        ReplicationFailed,
        replication_tasks,
        run_replications,
    )

    tasks = replication_tasks(plan.scenarios, plan.labels, replications=plan.replications,
                              seed=plan.seed)
    manifest = comparison_manifest(plan, command)
    try:
        with (staging_dir(out) as staging,
              contextlib.closing(run_replications(tasks, workers=plan.workers,
                                                  scheduler=scheduler)) as results):
            series = stream_series(staging / "series.parquet", results,
                                   metadata=parquet_provenance(manifest))
            summary = write_comparison(staging, series, plan, manifest, lang=lang)
            check_out_folder(out, OUTPUT_KIND)  # again: the run took time
    except InputError as error:
        return report_error(str(error))
    except ReplicationFailed as error:
        print(f"youwei: error: {' '.join(str(error).split())}; nothing written",
              file=sys.stderr)
        return EXIT_REPLICATION_FAILED
    except WorkersLost as error:
        print(f"youwei: error: stopped: {error}; nothing written", file=sys.stderr)
        return EXIT_STOPPED
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}")
    print(console_summary(summary, plan, out))
    return 0


# ----------------------------------------------------------------------------- input


def plan_comparison(sources: Sequence[str], *, replications: int, years: int | None,
                    seed: int | None, workers: int | None = None,
                    values: Mapping[str, Any] | None = None,
                    world: str | Path | None = None) -> Comparison:
    """Load and check the scenarios and settings of a comparison.

    With ``world``, every scenario's world blocks are that world's (the policy
    packages are compared on one world); ``values`` are set in every scenario.

    Raises
    ------
    InputError
        Fewer than 2 scenarios, replications < 2, bad years/seed/workers,
        scenarios of different kinds, or different ``years`` without ``--years``.
    ScenarioError
        A scenario that does not load.
    """
    sources = [str(s) for s in sources]
    if len(sources) < MIN_SCENARIOS:
        raise InputError("scenarios", f"at least {MIN_SCENARIOS} scenarios to compare "
                         "(the first is the reference)", got=str(len(sources)))
    if not _is_int(replications) or replications < MIN_REPLICATIONS:
        raise InputError("--replications", f"an integer >= {MIN_REPLICATIONS} (a confidence "
                         "interval needs at least 2 replications)", got=str(replications))
    if workers is not None and (not _is_int(workers) or workers < 1):
        raise InputError("--workers", "an integer >= 1", got=str(workers))
    loaded = [_load(source, values=values, world=world) for source in sources]
    first = loaded[0]
    for source, scenario in zip(sources[1:], loaded[1:], strict=True):
        if scenario.organisation.kind is not first.organisation.kind:
            raise InputError(source, f"a {first.organisation.kind.value} scenario like "
                             f"{sources[0]} (scenarios of different kinds report different "
                             f"metrics)", key="organisation.kind",
                             got=f"a {scenario.organisation.kind.value} scenario")
        if years is None and scenario.years != first.years:
            raise InputError(source, f"years = {first.years} as in {sources[0]} (or set "
                             f"--years for all)", key="years", got=str(scenario.years))
    if seed is None:
        seed = first.seed
    years = first.years if years is None else years
    run = tuple(override(s, years=years, seed=seed) for s in loaded)
    from experiments.simulation.compare import unique_labels

    return Comparison(tuple(sources), run, tuple(unique_labels([s.name for s in run])),
                      int(replications), int(years), int(seed),
                      None if workers is None else int(workers),
                      world=None if world is None else world_name(world))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _load(source: str, *, values: Mapping[str, Any] | None = None,
          world: str | Path | None = None) -> Scenario:
    try:
        return load_scenario(source, values=values, world=world)
    except OSError as error:  # an unreadable file the loader did not name
        raise InputError(source, "a readable scenario file",
                         got=str(error.strerror or error)) from error


# ----------------------------------------------------------------------------- provenance


def comparison_manifest(plan: Comparison, command: Sequence[str] | None) -> dict:
    """The content of ``manifest.json`` without ``files`` (no timestamp, no worker count:
    the same comparison gives the same manifest)."""
    from experiments.simulation.compare import CONFIDENCE, DERIVED_METRICS

    return to_json_safe({
        **output_signature(OUTPUT_KIND),
        "comparison": "paired by replication: replication k of every scenario runs from "
                      "numpy.random.SeedSequence(seed).spawn(replications)[k]",
        "reference": plan.labels[0],
        "world": plan.world,
        "scenarios": [{
            "label": label,
            "name": scenario.name,
            "source": source,
            "description": scenario.description,
            "description_zh": scenario.description_zh,
            "sha256": digest,
            "resolved": scenario.model_dump(mode="json"),
            "resolved_toml": resolved_toml(scenario),
        } for label, source, scenario, digest in zip(plan.labels, plan.sources, plan.scenarios,
                                                    plan.hashes, strict=True)],
        "seed": plan.seed,
        "replications": plan.replications,
        "years": plan.years,
        "confidence": CONFIDENCE,
        "statistics": {"final": "value in the last simulated year",
                       "mean": "average over the simulated years"},
        "derived_metrics": {m.name: m.doc for m in DERIVED_METRICS},
        "software": software_versions(),
        "command": command_line(command),
    })


def parquet_provenance(manifest: dict) -> dict[str, str]:
    """Key-value metadata of ``series.parquet``: seed, replications, years, hashes, versions."""
    compact = {
        "seed": manifest["seed"],
        "replications": manifest["replications"],
        "years": manifest["years"],
        "scenarios": {s["label"]: s["sha256"] for s in manifest["scenarios"]},
        "software": manifest["software"],
        "command": manifest["command"],
    }
    return {"youwei": json.dumps(compact, ensure_ascii=False, sort_keys=True)}


# ----------------------------------------------------------------------------- running


def stream_series(path: Path, results: Iterable[pd.DataFrame], *,
                  metadata: dict[str, str]) -> pd.DataFrame:
    """Write the replications to ``path`` as they come, one row group per scenario.

    Parameters
    ----------
    path : Path
        The parquet file (in the staging folder).
    results : iterable of DataFrame
        :func:`experiments.simulation.compare.run_replications`, scenario by scenario.
    metadata : dict of str -> str
        Added to the file's schema metadata.

    Returns
    -------
    DataFrame
        The whole table, read back from ``path``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    schema = None
    buffer: list[pd.DataFrame] = []

    def flush() -> None:
        nonlocal writer, schema
        if not buffer:
            return
        frame = pd.concat(buffer, ignore_index=True)
        buffer.clear()
        if writer is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            schema = table.schema.with_metadata({**(table.schema.metadata or {}),
                                                 **{k.encode(): v.encode()
                                                    for k, v in metadata.items()}})
            writer = pq.ParquetWriter(path, schema)
        table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
        writer.write_table(table)

    try:
        for frame in results:
            if buffer and frame["scenario"].iat[0] != buffer[-1]["scenario"].iat[0]:
                flush()
            buffer.append(frame)
        flush()
    finally:
        if writer is not None:
            writer.close()
    return pd.read_parquet(path)


# ----------------------------------------------------------------------------- writing


def write_comparison(folder: Path, series: pd.DataFrame, plan: Comparison,
                     manifest: dict, lang: str = "en") -> pd.DataFrame:
    """Write ``summary.csv``, ``pairwise.csv`` (every pair of scenarios), the figures,
    ``report.html`` and ``manifest.json``; return the summary (without the provenance
    columns)."""
    from experiments.simulation.compare import (
        pairwise_differences,
        replication_values,
        summarise,
    )
    from experiments.simulation.compare_report import report_caveats

    values = replication_values(series)
    summary = summarise(values)
    pairs = pairwise_differences(values)
    with_provenance(summary, plan, manifest).to_csv(folder / "summary.csv", index=False,
                                                   lineterminator="\n")
    pairs.to_csv(folder / "pairwise.csv", index=False, lineterminator="\n")
    figures = draw_figures(series, summary, plan, manifest, pairs=pairs, lang=lang)
    for stem, (_, png) in figures.items():
        (folder / f"{stem}.png").write_bytes(png)
    policy = policy_differences({s["label"]: s["resolved"] for s in manifest["scenarios"]})
    notes = (caveats(manifest, summary, policy) if lang == "en"
             else report_caveats(manifest, summary, policy, lang))
    report = render_report(manifest=manifest, summary=summary, policy=policy, figures=figures,
                           caveats=notes, pairs=pairs, lang=lang)
    (folder / "report.html").write_text(report, encoding="utf-8")
    files = [*DATA_FILES, *(f"{stem}.png" for stem in figures)]
    text = json.dumps({**manifest, "files": files}, indent=2, ensure_ascii=False,
                      allow_nan=False)
    (folder / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return summary


def with_provenance(summary: pd.DataFrame, plan: Comparison, manifest: dict) -> pd.DataFrame:
    """``summary`` with the columns ``scenario_hash``, ``seed``, ``replications``, ``years``
    and ``youwei_version``, so the CSV says what produced each row."""
    hashes = dict(zip(plan.labels, plan.hashes, strict=True))
    return summary.assign(
        scenario_hash=summary["scenario"].map(hashes),
        seed=plan.seed,
        replications=plan.replications,
        years=plan.years,
        youwei_version=manifest["software"].get("youwei", "unknown"),
    )


def figure_note(manifest: dict, lang: str = "en") -> str:
    """One line of provenance for the figures, in ``lang`` (the language they are drawn in)."""
    from experiments.common.figures import provenance_note

    return provenance_note(lang, replications=manifest["replications"],
                           years=manifest["years"], seed=manifest["seed"],
                           version=manifest["software"].get("youwei", "unknown"))


def draw_figures(series: pd.DataFrame, summary: pd.DataFrame, plan: Comparison,
                 manifest: dict, *, pairs: pd.DataFrame | None = None,
                 lang: str = "en") -> dict[str, tuple[str, bytes]]:
    """Every figure as (report caption, PNG bytes); band figures none of whose metrics
    the scenarios report (pyramids) are left out. Labels in ``lang`` when a font for it
    is found (``experiments.common.fonts``), else in English."""
    import matplotlib

    from experiments.common.fonts import figure_language, font_rc

    shown = figure_language(lang)
    with matplotlib.rc_context(font_rc(shown)):
        return _draw_figures(series, summary, plan, manifest, pairs, shown, lang)


def _draw_figures(series, summary, plan, manifest, pairs, shown, lang):
    from experiments.simulation.compare_report import figure_caption

    note = figure_note(manifest, shown)
    description = figure_note(manifest) + "; scenarios: " + ", ".join(
        f"{label} ({digest[:HASH_DISPLAY_CHARS]})"
        for label, digest in zip(plan.labels, plan.hashes, strict=True))
    figures = {}
    for stem, spec in BAND_FIGURES.items():
        if not any(column in series.columns for _, column in spec.panels):
            continue
        png = figure_png(plot_bands(series, spec, note=note, lang=shown),
                         description=description)
        caption = (CAPTIONS.get(stem, spec.title + ".") + BAND_NOTE if lang == "en"
                   else figure_caption(stem, lang))
        figures[stem] = (caption, png)
    png = figure_png(plot_differences(summary, note=note, pairs=pairs, lang=shown),
                     description=description)
    figures[DIFFERENCE_FIGURE] = (figure_caption(DIFFERENCE_FIGURE, lang,
                                                 reference=plan.labels[0]), png)
    return figures


def caveats(manifest: dict, summary: pd.DataFrame, policy: pd.DataFrame) -> list[str]:
    """The report's caveats, in plain text."""
    software = manifest["software"]
    n_metrics = summary["metric"].nunique()
    n_compared = summary["scenario"].nunique() - 1
    items = [
        "These are outputs of a simulation model under the assumptions stated in the scenario "
        "files (many values there are modelling assumptions, marked as such), not forecasts. "
        "They show how the policy packages compare inside the model.",
        f"Each scenario was simulated {manifest['replications']} times for "
        f"{manifest['years']} years from root seed {manifest['seed']}; replication k of every "
        f"scenario used the same seed (child k of numpy's SeedSequence({manifest['seed']})), "
        "so differences are paired. Another seed gives somewhat different numbers, mostly "
        "within the intervals shown; more replications narrow them.",
        f"Intervals are 95% t-intervals over replications, each computed on its own: with "
        f"{n_metrics} metrics x 2 statistics x {n_compared} comparison(s) in summary.csv, "
        "about 1 in 20 differences that are truly zero would still be flagged. Read the "
        "flags on the key metrics, not on a search through all of them.",
        "Shares of promotions are undefined in a year without promotions; such replications "
        "are left out of that statistic (the column n of summary.csv counts those used).",
    ]
    headcount = summary[(summary["metric"] == "headcount")
                        & (summary["statistic"] == "mean")]["mean"]
    if len(headcount) and headcount.min() > 0 and (
            headcount.max() / headcount.min() - 1 > SIZE_TOLERANCE):
        items.append(
            f"The organisations differ in size (mean headcount {headcount.min():,.0f} to "
            f"{headcount.max():,.0f} cadres): counts of errors, exits and promotions scale "
            "with size, so the report shows them per 100 cadres.")
    world = [k for k in policy.index if not k.startswith("policy.")]
    if world:
        items.append(
            f"The scenarios differ in the world as well as in policy ({len(world)} settings of "
            "organisation, population or behaviour; see the table above): their differences "
            "mix the two.")
    versions = ", ".join(f"{k} {v}" for k, v in software.items())
    hashes = "; ".join(f"{s['label']} {s['sha256']}" for s in manifest["scenarios"])
    items.append(f"Model version and software: {versions}. Scenario hashes (SHA-256 of the "
                 f"scenario as run): {hashes}.")
    return items


def console_summary(summary: pd.DataFrame, plan: Comparison, out: Path) -> str:
    """What ``youwei compare`` prints: the settings, the key metrics (final year), the files."""
    scenarios = ", ".join(f"{label} ({digest[:HASH_DISPLAY_CHARS]})"
                          for label, digest in zip(plan.labels, plan.hashes, strict=True))
    lines = [
        f"compared {scenarios}",
        f"{plan.replications} replications x {plan.years} years, seed {plan.seed} "
        f"(replication k of every scenario uses the same seed); final year",
        console_table(summary),
        "* = the paired 95% interval excludes zero; counts are per 100 cadres a year, "
        "shares in % (differences in percentage points)",
        f"wrote {out} (series.parquet, summary.csv, manifest.json, report.html, figures)",
    ]
    return "\n".join(lines)

"""``youwei search SPEC --out DIR``: multi-objective policy search under a budget.

::

    youwei search experiments/search/specs/demo.toml --out results/search [--workers 2]
                  [--scheduler tcp://host:8786] [--resume] [--lang zh|en]

The spec format is in :mod:`experiments.search.spec`; the folder in
:mod:`experiments.search.engine`. Candidates are proposed ``batch`` at a time
(optuna's multi-objective TPE, Ozaki et al. 2020, the default; or NSGA-II, Deb
et al. 2002: :data:`experiments.search.loop.SAMPLERS`);
each is run on every fixed world and replication through the shared executor.
Batch b depends only on (seed, b, the candidates before it), so a search
stopped anywhere and resumed gives the trials of an uninterrupted one
(:mod:`experiments.search.loop`).

Exit codes: 0 written; 2 bad input (one line on stderr, nothing run); 130
interrupted (finished candidates are in study.db: rerun with ``--resume``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from experiments.common.errors import InputError
from experiments.common.runner import start_early
from experiments.sweep.command import EXIT_INTERRUPTED, EXIT_OK, report_error


def run_search(spec: Path, *, out: Path, workers: int | None = None,
               scheduler: str | None = None, resume: bool = False, lang: str = "zh",
               command: Sequence[str] | None = None) -> int:
    """Search the levers of ``spec``; write ``out``; return the exit code."""
    start_early(workers, scheduler)
    from experiments.search.spec import load_search_spec
    from experiments.sweep.spec import SpecError

    try:
        loaded = load_search_spec(spec)
    except SpecError as error:
        return report_error(str(error))
    from experiments.search.engine import run_search_folder

    runs = loaded.trials * len(loaded.worlds) * loaded.replications
    print(f"search {loaded.name} ({loaded.short_hash}): {loaded.trials} candidates x "
          f"{len(loaded.worlds)} worlds x {loaded.replications} replications = {runs:,} runs "
          f"of {loaded.years} years", flush=True)
    try:
        evaluated = run_search_folder(loaded, Path(out), workers=workers, scheduler=scheduler,
                                      resume=resume, command=command)
        lines = write_search_report(loaded, Path(out), evaluated, lang)
    except InputError as error:
        return report_error(str(error))
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}")
    except KeyboardInterrupt:
        print(f"youwei: interrupted; finished candidates are saved in {out}: rerun with "
              f"--resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    for line in lines:
        print(line)
    print(f"wrote {out} (trials.csv, pareto.csv, pareto.png, report.html, study.db, "
          f"manifest.json)")
    return EXIT_OK


def write_search_report(spec, out: Path, evaluated, lang: str) -> list[str]:
    """``trials.csv``, ``pareto.csv``, ``pareto.png`` and ``report.html``; return the
    summary lines."""
    import base64
    import json

    import matplotlib

    from experiments.common.figures import provenance_note
    from experiments.common.fonts import INSTALL_HINT, figure_language, font_rc
    from experiments.common.i18n import text
    from experiments.robust.support import read_robustness_table
    from experiments.robust.words import metric_label, number, t
    from experiments.search.engine import MANIFEST, direction_word, plot_pareto, trials_table
    from experiments.simulation.compare_report import CSS, esc, figure_png, html_table
    from experiments.sweep.engine import write_atomic

    table = trials_table(spec, evaluated)
    write_atomic(table.to_csv(index=False, lineterminator="\n").encode("utf-8"),
                 out / "trials.csv")
    front = table[table["pareto"]]
    write_atomic(front.to_csv(index=False, lineterminator="\n").encode("utf-8"),
                 out / "pareto.csv")
    shown = figure_language(lang)
    software = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["software"]
    note = provenance_note(shown, worlds=len(spec.worlds), replications=spec.replications,
                           years=spec.years, seed=spec.seed,
                           version=software.get("youwei", "unknown"))
    with matplotlib.rc_context(font_rc(shown)):
        png = figure_png(plot_pareto(spec, table, shown, note))
    write_atomic(png, out / "pareto.png")
    lines = [t("search_counts", lang, total=len(table), feasible=int(table["feasible"].sum()),
               pareto=len(front))]
    for name, direction in spec.objectives:
        if front.empty:
            break
        best = (front[name].idxmax() if direction.value == "max" else front[name].idxmin())
        row = front.loc[best]
        levers = t("sep", lang).join(f"{p.path.removeprefix('policy.')} = {_fmt(row[p.path])}"
                                     for p in spec.levers)
        lines.append(t("search_best", lang, objective=metric_label(name, lang),
                       better=direction_word(direction, lang), value=number(row[name]),
                       low=number(row[f"{name}:ci_low"]), high=number(row[f"{name}:ci_high"]),
                       cost=number(row["cost"]), levers=levers))
    if spec.budget is not None:
        lines.append(t("search_budget", lang, cost=spec.budget[0].value,
                       max=number(spec.budget[1])))
    lines.append(t("support_search", lang) if read_robustness_table() is not None
                 else t("support_no_table", lang))
    header = ["#", *(p.path.removeprefix("policy.") for p in spec.levers),
              *(metric_label(n, lang) for n, _ in spec.objectives), t("col_cost", lang)]
    rows = [[str(r["trial"]), *(_fmt(r[p.path]) for p in spec.levers),
             *(f"{number(r[n])} [{number(r[f'{n}:ci_low'])}, {number(r[f'{n}:ci_high'])}]"
               for n, _ in spec.objectives), number(r["cost"])]
            for _, r in front.iterrows()]
    title = t("search_title", lang, name=spec.name)
    intro = t("search_intro", lang, worlds=len(spec.worlds), replications=spec.replications,
              years=spec.years)
    hint = "" if shown == lang else f"<p>{esc(text(INSTALL_HINT, lang))}</p>"
    html = "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<h2>{esc(t('summary', lang))}</h2>",
        "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>",
        f"<p>{esc(intro)}</p>",
        f"<h2>{esc(t('search_front', lang))}</h2>",
        html_table(header, rows),
        hint,
        f'<figure><img alt="pareto" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode("ascii")}"><figcaption>'
        f"{esc(t('fig_pareto_caption', lang))}</figcaption></figure>",
        "</body></html>",
    ]) + "\n"
    write_atomic(html.encode("utf-8"), out / "report.html")
    return lines


def _fmt(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)

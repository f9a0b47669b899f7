"""``validation.md``: the numbers of ``validation.json`` as tables for people."""

from __future__ import annotations

ROBUST_SHARE = 0.9
"""A conclusion holding at >= 90% of the assumption sample is called robust."""
FRAGILE_SHARE = 0.7
"""Below 70% it is called fragile (in between: mostly holds)."""


def fmt(x, spec: str = "+.3f") -> str:
    return "n/a" if x is None else format(x, spec)


def verdict(share: float | None) -> str:
    if share is None:
        return "n/a"
    if share >= ROBUST_SHARE:
        return "robust"
    return "mostly" if share >= FRAGILE_SHARE else "fragile"


def validation_markdown(result: dict) -> str:
    """The whole report."""
    s = result["sizes"]
    command = " ".join(result["command"] or ["youwei", "validate-model"])
    lines = ["# How far to trust the model: validation report", "",
             f"Made {result['created']} by `{command}` on {result['executor']['used']}; "
             "seconds per section: "
             + ", ".join(f"{k} {v:.0f}" for k, v in result["seconds"].items()) + ".", ""]
    if result["quick"]:
        lines += ["**--quick: smoke-test sizes (few seeds, runs and years). These numbers "
                  "show the report works; they are not evidence about the model.**", ""]
    target_seeds = (f"{s['target_seeds']} seeds" if s["target_seeds"]
                    else "each targets file's own seeds")
    lines += [f"Sizes: facts {s['fact_seeds']} seeds; targets {target_seeds}; "
              f"Peter {s['peter_runs']} runs x {s['peter_years']} years; "
              f"stationarity {s['stationarity_seeds']} seeds x "
              f"{s['stationarity_years']} years; robustness {s['robust_points']} LHS points x "
              f"{s['robust_reps']} seeds per package, nominal point {s['robust_nominal_seeds']} "
              "seeds.", ""]
    lines += facts_section(result["stylised_facts"])
    lines += targets_section(result["calibration_targets"])
    lines += peter_section(result["peter"])
    lines += stationarity_section(result["stationarity"])
    lines += robustness_section(result["robustness"])
    return "\n".join(lines) + "\n"


def facts_section(section: dict) -> list[str]:
    lines = ["## 1. Stylised facts", "",
             f"Paired differences over {section['seeds']} seeds (root {section['root_seed']}; "
             f"{section['cadres']} cadres, {section['years']} years after the spin-up), "
             "mean [95% CI] (`experiments/validation/facts.py`; the same scenarios as "
             "`tests/regression/test_stylised_facts.py`).", "",
             "| fact | measure | expected | mean [95% CI] | holds |", "|---|---|---|---|---|"]
    for r in section["rows"]:
        lines.append(f"| {r['fact']} | {r['measure']} | {r['expected']} | {fmt(r['mean'])} "
                     f"[{fmt(r['ci_low'])}, {fmt(r['ci_high'])}] | "
                     f"{'yes' if r['holds'] else 'NO'} |")
    held = sum(r["holds"] for r in section["rows"])
    return lines + ["", f"{held} of {len(section['rows'])} hold.", ""]


def targets_section(section: dict) -> list[str]:
    lines = ["## 2. Calibration targets", "",
             f"Each targets file's scenario (with its fitted parameters) on held-out seeds "
             f"(root {section['root_seed']}, not the calibration's): model mean of the "
             "reporter's per-year mean, [95% CI], against value x scale; met when within "
             "the tolerance (`experiments/validation/targets.py`).", "",
             "| file | target | article: quote | goal | model mean [95% CI] | tolerance | met |",
             "|---|---|---|---|---|---|---|"]
    for f in section["files"]:
        for t in f["targets"]:
            lines.append(
                f"| {f['file'].rsplit('/', 1)[-1]} ({f['seeds']} seeds) | `{t['name']}` | "
                f"{t['article']}: {t['quote']} | {t['value']:g} x {t['scale']:.4g} = "
                f"{t['goal']:.3g} | {fmt(t['model_mean'], '.3g')} [{fmt(t['ci_low'], '.3g')}, "
                f"{fmt(t['ci_high'], '.3g')}] | {t['tolerance']:.0%} | "
                f"{'yes' if t['met'] else 'NO'} |")
    return lines + ["", f"{section['met']} of {section['count']} targets met.", ""]


def peter_section(section: dict) -> list[str]:
    lines = ["## 3. The Peter table (Pluchino, Rapisarda and Garofalo 2010)", "",
             f"{section['runs']} runs x {section['years']} years per cell (the paper: "
             f"{section['paper_runs']} x {section['paper_years']}), gain = mean efficiency of "
             f"the last {section['window']} years minus E(0), percentage points; "
             "`experiments/validation/peter.py` through `CadreModel` and `optimize.allocate`. "
             "The table at the paper's size is docs/validation/peter.md.", "",
             "| hypothesis | rule | ours [95% CI] | paper | within 3 points |",
             "|---|---|---|---|---|"]
    for c in section["cells"]:
        lines.append(f"| {c['hypothesis']} | {c['rule']} | {fmt(c['gain'], '+.2f')} "
                     f"[{fmt(c['ci_low'], '+.2f')}, {fmt(c['ci_high'], '+.2f')}] | "
                     f"{c['paper']:+.0f} | {'yes' if c['within_3'] else 'NO'} |")
    return lines + ["", f"{section['within_3_count']} of {len(section['cells'])} cells "
                    "within 3 points.", ""]


def stationarity_section(section: dict) -> list[str]:
    (a, b), (c, d) = section["windows"]
    limits = section["limits"]
    lines = ["## 4. Stationarity", "",
             f"Every county scenario, {section['seeds']} seeds x {section['years']} years from "
             f"the old-rules equilibrium: |mean of years {c}-{d} - mean of years {a}-{b}| "
             f"(limits: effort {limits['effort']}, ability {limits['ability_sd']} sd, "
             f"efficiency {limits['efficiency_rel']:.0%}, exits {limits['exits_rel']:.0%}; "
             f"share of cadres at effort exactly 0 or 1 <= {limits['bound_share']:.0%}; "
             f"baseline year 1 vs years 11-20 <= {limits['baseline_start']}) "
             "(`experiments/validation/stationarity.py`).", "",
             "| scenario | effort | ability (sd) | efficiency | exits | at bound | "
             "baseline start | spin-up years | ok |", "|---|---|---|---|---|---|---|---|---|"]
    for r in section["rows"]:
        lines.append(
            f"| {r['scenario']} | {fmt(r['effort'], '.3f')} | {fmt(r['ability_sd'], '.3f')} | "
            f"{fmt(r['efficiency_rel'], '.1%')} | {fmt(r['exits_rel'], '.1%')} | "
            f"{fmt(r['bound_share'], '.1%')} | {fmt(r['baseline_start'], '.3f')} | "
            f"{r['spinup_years']} | {'yes' if r['ok'] else 'NO'} |")
    return lines + [""]


def robustness_section(section: dict) -> list[str]:
    lines = ["## 5. Robustness of the package comparisons", "",
             f"Policy packages {', '.join(section['packages'])}, each on the "
             f"`{section['world']}` world. The conclusion is each pairwise order at the "
             f"nominal assumptions ({section['nominal_seeds']} seeds, paired 95% CI); "
             f"'holds' is the share of {section['points']} Latin hypercube points over the "
             f"{len(section['assumptions'])} assumption ranges below ({section['reps']} seeds "
             "per package and point, common random numbers) where the same order holds. "
             f"Robust: >= {ROBUST_SHARE:.0%}; fragile: < {FRAGILE_SHARE:.0%} "
             "(`experiments/validation/robustness.py`). A point's order carries the noise "
             "of its few seeds as well as its assumptions, so a difference that is small "
             "against the seed noise (marked not significant at the nominal point) "
             "can hold at only about half the points from seed noise alone.", ""]
    for m in section["metrics"]:
        ranking = " > ".join(f"{p} ({fmt(m['nominal_means'][p], '.3f')})"
                             for p in m["ranking"])
        lines += [f"### {m['words']} (`{m['metric']}`)", "",
                  f"Nominal order: {ranking}. The whole order holds at "
                  f"{fmt(m['share_full_ranking_holds'], '.0%')} of the points.", "",
                  "| conclusion | nominal difference [95% CI] | holds | verdict |",
                  "|---|---|---|---|"]
        for p in m["pairs"]:
            sign = "=" if p["relation"] == "=" else ">"
            note = "" if p["significant"] or p["relation"] == "=" else " (not significant)"
            lines.append(f"| {p['higher']} {sign} {p['lower']} | "
                         f"{fmt(p['nominal_difference'], '+.4f')} [{fmt(p['ci_low'], '+.4f')}, "
                         f"{fmt(p['ci_high'], '+.4f')}]{note} | {fmt(p['share_holds'], '.0%')} | "
                         f"{verdict(p['share_holds'])} |")
        lines.append("")
    lines += ["Assumption ranges sampled (docs/model.md section 8):", "",
              "| assumption | low | high |", "|---|---|---|"]
    lines += [f"| `{a['path']}` | {a['low']:g} | {a['high']:g} |"
              for a in section["assumptions"]]
    return lines + [""]

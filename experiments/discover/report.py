"""Words of a discovery: the PRIM box beside CART's leaves, as lines and as ``report.html``.

Everything here reads the ``box.json`` record that
:func:`experiments.discover.command.write_discovery` writes, so the discovery's
own report and the robust report (which lists every discovery of its folder)
say the same thing. Every sentence comes from the ``planner`` catalogue.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from experiments.robust.words import metric_label, number, share, t

CART_SHOWN = 3
"""CART leaves shown on the console and in the reports (cart.csv holds all)."""


def title(box: Mapping, lang: str) -> str:
    """"Where <outcome> is below <value>"."""
    side = t("below" if box["side"] == "below" else "above", lang)
    return t("discover_title", lang, outcome=metric_label(box["outcome"], lang), side=side,
             value=number(box["value"]))


def limits(restrictions, lang: str, *, with_p: bool) -> str:
    """The restrictions of a box as one phrase ("x in [a, b] (p = ...), ...")."""
    parts = []
    for r in restrictions:
        if r.get("levels") is not None:
            parts.append(t("discover_levels", lang, name=r["name"],
                           levels=" / ".join(map(str, r["levels"]))))
        elif with_p:
            parts.append(t("discover_restriction", lang, name=r["name"], low=number(r["low"]),
                           high=number(r["high"]), p=number(r["p_value"], 2)))
        else:
            parts.append(t("discover_cart_restriction", lang, name=r["name"],
                           low=number(r["low"]), high=number(r["high"])))
    return t("sep", lang).join(parts) if parts else t("discover_no_split", lang)


def measures(found: Mapping, lang: str) -> str:
    return t("discover_box", lang, coverage=share(found["coverage"]),
             density=share(found["density"]), mass=share(found["mass"]))


def box_lines(box: Mapping, lang: str, *, leaves: int = 1) -> list[str]:
    """The PRIM box, then the first ``leaves`` CART leaves (or that there is none)."""
    head = title(box, lang)
    lines = [t("discover_prim", lang, title=head,
               limits=limits(box["restrictions"], lang, with_p=True),
               box=measures(box, lang))]
    cart = box.get("cart", [])
    if not cart:
        lines.append(t("discover_cart_none", lang, title=head))
    for leaf in cart[:leaves]:
        lines.append(t("discover_cart", lang, title=head,
                       limits=limits(leaf["restrictions"], lang, with_p=False),
                       box=measures(leaf, lang)))
    return lines


def render_discovery(box: Mapping, peeling_png: bytes, lang: str) -> str:
    """``report.html`` of one discovery: the PRIM box and the CART leaves side by side,
    the peeling trajectory, the method and the command."""
    from experiments.simulation.compare_report import esc, html_table, page_head

    head = title(box, lang)
    package = t("discover_package", lang, package=box["package"]) if box["package"] else ""
    intro = t("discover_intro", lang, cases=box["cases"], failing=box["cases_of_interest"],
              package=package)
    header = [t("discover_method_col", lang), t("col_coverage", lang), t("col_density", lang),
              t("col_mass", lang), t("col_restrictions", lang)]
    rows = [["PRIM", share(box["coverage"]), share(box["density"]), share(box["mass"]),
             limits(box["restrictions"], lang, with_p=True)]]
    rows += [[f"CART {i + 1}", share(leaf["coverage"]), share(leaf["density"]),
              share(leaf["mass"]), limits(leaf["restrictions"], lang, with_p=False)]
             for i, leaf in enumerate(box.get("cart", [])[:CART_SHOWN])]
    data = base64.b64encode(peeling_png).decode("ascii")
    parts = [
        *page_head(t("discover_report_title", lang, title=head), intro, lang),
        f"<h2>{esc(t('summary', lang))}</h2>",
        "<ul>" + "".join(f"<li>{esc(line)}</li>"
                         for line in box_lines(box, lang, leaves=CART_SHOWN)) + "</ul>",
        f"<p>{esc(t('discover_agreement', lang))}</p>",
        html_table(header, rows, numeric=[False, True, True, True, False]),
        f'<figure><img alt="peeling" src="data:image/png;base64,{data}"><figcaption>'
        f"{esc(t('fig_peeling_caption', lang))}</figcaption></figure>",
        f"<h2>{esc(t('provenance', lang))}</h2>",
        f"<p>{esc(box['method'])}</p>",
    ]
    if box.get("command"):
        parts.append(f"<p>{esc(t('command', lang))}: <code>{esc(' '.join(box['command']))}"
                     f"</code></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"

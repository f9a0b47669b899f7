"""The proposal as a document for a 部务会: assembled here, phrased in the catalogues.

``build_document`` turns a problem and its proposal into a ``Document``: a
title, the draft notice, and sections of paragraphs and tables, every cell
plain text, every sentence from ``experiments/common/locale/<lang>/allocation.toml``.
The renderers (``render_markdown``, ``render_html``, ``write_xlsx`` in
``experiments.allocation.render``) only lay it out and escape it.

Numbers are rounded for people (``number``: two decimals, thousands grouped);
``proposal.csv`` and ``proposal.json`` keep the exact values.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from experiments.allocation.display import Display
from experiments.common.i18n import text
from optimize.problem import AllocationProblem
from optimize.proposal import MoveKind, MoveRef, Proposal, Reason
from optimize.rules import Mobility

KNOWN_EXTRAS = ("gender", "ethnicity", "current_post", "party", "born", "education")
"""Carried columns with a label in the catalogues (others keep the file's header)."""

WHY_NOT_PER_POST = 3
"""Passed-over candidates shown per post in the report (all of them in passed_over.csv)."""


@dataclass(frozen=True)
class TableBlock:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    key: str  # a stable name (the xlsx sheet a section may become)
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[TableBlock, ...] = ()
    items: tuple[str, ...] = ()  # a bulleted list


@dataclass(frozen=True)
class Document:
    lang: str
    title: str
    notice: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def t(key: str, lang: str, **fields) -> str:
    return text(f"allocation.{key}", lang, **fields)


# --------------------------------------------------------------------------- formatting


def number(x: float) -> str:
    """``1,234.57``; ``—`` when not finite; ``-0.00`` shown as ``0.00``."""
    x = float(x)
    if not math.isfinite(x):
        return "—"
    out = f"{x:,.2f}"
    return "0.00" if out == "-0.00" else out


def plain(x: float) -> str:
    """A short number for a sentence: ``2``, ``0.5``, ``1.25``."""
    return f"{float(x):.4g}"


def percent(x: float) -> str:
    return f"{100 * float(x):.1f}%" if math.isfinite(float(x)) else "—"


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class Namer:
    """How people, posts, ranks and moves are shown in one language."""

    problem: AllocationProblem
    display: Display
    lang: str

    def person(self, i: int) -> str:
        """``张三（C0001）`` or the id alone."""
        cid = str(self.problem.candidates.id[i])
        name = str(self.display.name[i]) if len(self.display.name) else ""
        return f"{name}（{cid}）" if name and self.lang == "zh" else (
            f"{name} ({cid})" if name else cid)

    def rank(self, rank: int) -> str:
        return self.problem.rules.names.rank_name(rank)

    def level(self, level: int) -> str:
        return self.problem.rules.names.level_name(level)

    def unit(self, u: int) -> str:
        return str(self.problem.unit_names[u])

    def post(self, j: int) -> str:
        """``镇A 党委副书记（副科，P001）``."""
        p = self.problem.posts
        title = str(self.display.post_title[j]) if len(self.display.post_title) else ""
        return t("post_name" if title else "post_name_untitled", self.lang,
                 unit=self.unit(int(p.unit[j])), title=title,
                 level=self.level(int(p.level[j])), id=str(p.id[j]))

    def pool_row(self, k: int) -> str:
        q = self.problem.pools
        return t("rank_slot", self.lang, rank=self.rank(int(q.rank[k])),
                 pool=self.problem.pool_names[int(q.pool[k])])

    def move(self, kind: MoveKind, target: int) -> str:
        return self.post(target) if kind is MoveKind.POST else self.pool_row(target)

    def move_ref(self, ref: MoveRef) -> str:
        return self.move(ref.kind, ref.target)


# --------------------------------------------------------------------------- document


def build_document(problem: AllocationProblem, proposal: Proposal, display: Display,
                   provenance: dict, lang: str = "zh") -> Document:
    """Every section of the proposal for people, in ``lang`` (``zh`` or ``en``)."""
    namer = Namer(problem, display, lang)
    sections = [
        status_section(proposal, namer),
        relaxations_section(proposal, namer),
        summary_section(problem, proposal, lang),
        moves_section(problem, proposal, display, namer),
        composition_section(problem, proposal, namer),
        alternatives_section(proposal, namer),
        shortlist_section(problem, proposal, namer),
        why_not_section(problem, proposal, namer),
        prices_section(problem, proposal, namer),
        rules_section(problem, namer),
        formula_section(problem, proposal, namer),
        provenance_section(provenance, lang),
    ]
    return Document(lang, t("title", lang), t("disclaimer", lang),
                    tuple(s for s in sections if s is not None))


def status_section(proposal: Proposal, namer: Namer) -> Section:
    lang = namer.lang
    paragraphs = [t(f"status_{proposal.status.value}", lang, gap=percent(proposal.gap))]
    ties = [a for a in proposal.alternatives if a.is_tie]
    if ties:
        first = ties[0]
        paragraphs.append(t("tie", lang, count=len(ties), changes=change_text(first, namer)))
    elif proposal.alternatives:
        paragraphs.append(t("no_tie", lang, loss=number(proposal.alternatives[0].loss)))
    return Section("status", t("status_title", lang), tuple(paragraphs))


def change_text(alternative, namer: Namer) -> str:
    """``C0385 由 P040 改任 P035；C0310 由 P035 改任 P040`` (one clause per person)."""
    before = {ref.candidate: ref for ref in alternative.removed}
    after = {ref.candidate: ref for ref in alternative.added}
    clauses = []
    for i in sorted(set(before) | set(after), key=lambda c: str(namer.problem.candidates.id[c])):
        who = namer.person(i)
        if i in before and i in after:
            clauses.append(t("change_moves", namer.lang, who=who,
                             old=namer.move_ref(before[i]), new=namer.move_ref(after[i])))
        elif i in after:
            clauses.append(t("change_added", namer.lang, who=who, new=namer.move_ref(after[i])))
        else:
            clauses.append(t("change_removed", namer.lang, who=who,
                             old=namer.move_ref(before[i])))
    return t("list_sep", namer.lang).join(clauses)


def relaxations_section(proposal: Proposal, namer: Namer) -> Section | None:
    if not proposal.relaxations:
        return None
    lang = namer.lang
    items = [relaxation_text(r, namer) for r in proposal.relaxations]
    return Section("relaxations", t("relaxations_title", lang),
                   (t("relaxations_intro", lang),), items=tuple(items))


def relaxation_text(r, namer: Namer) -> str:
    problem, lang = namer.problem, namer.lang
    amount = plain(r.shortfall)
    if r.rule == "must_fill":
        return t("relax_must_fill", lang, post=namer.post(r.entity))
    if r.rule == "max_outflow_per_unit":
        return t("relax_outflow", lang, unit=namer.unit(r.entity), amount=amount)
    if r.rule == "lock":
        lk = problem.regulations.locks
        return t("relax_lock", lang, who=namer.person(int(lk.candidate[r.entity])),
                 target=lock_target(lk, r.entity, namer))
    if r.rule == "composition":
        rule = problem.rules.composition[r.entity // 2]
        return t("relax_composition", lang, attribute=rule.attribute, value=rule.value,
                 amount=amount)
    if r.rule == "team":
        n_units = len(problem.unit_names)
        rule = problem.rules.team[r.entity // n_units]
        return t("relax_team", lang, unit=namer.unit(r.entity % n_units),
                 attribute=rule.attribute, value=rule.value, amount=amount)
    key = "young" if r.rule == "young_share_min" else "frontline"
    return t(f"relax_{key}", lang, amount=amount)


def lock_target(locks, k: int, namer: Namer) -> str:
    j, pool = int(locks.post[k]), int(locks.pool[k])
    if j >= 0:
        return namer.post(j)
    if pool >= 0:
        return t("any_rank_slot", namer.lang, pool=namer.problem.pool_names[pool])
    return t("any_move", namer.lang)


def summary_section(problem: AllocationProblem, proposal: Proposal, lang: str) -> Section:
    is_post = proposal.moves.is_post
    rows = [
        (t("sum_value", lang), number(proposal.objective)),
        (t("sum_posts", lang), t("of", lang, count=int(is_post.sum()), total=problem.n_posts)),
        (t("sum_ranks", lang), t("of", lang, count=int((~is_post).sum()),
                                 total=int(problem.pools.headroom.sum()))),
        (t("sum_candidates", lang), f"{problem.n_candidates:,}"),
        (t("sum_solve", lang), t("solve_detail", lang, seconds=f"{proposal.solve_seconds:.2f}",
                                 variables=f"{proposal.n_variables:,}",
                                 constraints=f"{proposal.n_constraints:,}")),
    ]
    return Section("summary", t("summary_title", lang),
                   tables=(TableBlock((t("measure", lang), t("value_col", lang)), tuple(rows)),))


def move_rows(problem: AllocationProblem, proposal: Proposal, display: Display, namer: Namer
              ) -> TableBlock:
    """One row per move with the carried columns (the moves table of every output)."""
    lang = namer.lang
    carried = [k for k in display.candidate_columns if k not in ("name", "姓名")]
    labels = [t(f"extra_{k}", lang) if k in KNOWN_EXTRAS else k for k in carried]
    header = (t("col_no", lang), t("col_id", lang), t("col_name", lang), *labels,
              t("col_unit", lang), t("col_rank", lang), t("col_move", lang),
              t("col_score", lang), t("col_value", lang))
    c, m = problem.candidates, proposal.moves
    rows = []
    for n, (i, kind, target, value) in enumerate(zip(
            m.candidate.tolist(), m.kind, m.target.tolist(), m.value.tolist(), strict=True),
            start=1):
        name = str(display.name[i]) if len(display.name) else ""
        rows.append((str(n), str(c.id[i]), name,
                     *(str(display.candidate_columns[k][i]) for k in carried),
                     namer.unit(int(c.unit[i])), namer.rank(int(c.rank[i])),
                     namer.move(kind, target), number(c.score[i]), number(value)))
    return TableBlock(header, tuple(rows))


def moves_section(problem, proposal, display, namer) -> Section:
    lang = namer.lang
    block = move_rows(problem, proposal, display, namer)
    paragraphs = (t("moves_intro", lang),) if block.rows else (t("no_moves", lang),)
    return Section("moves", t("moves_title", lang), paragraphs, (block,) if block.rows else ())


def composition_section(problem: AllocationProblem, proposal: Proposal, namer: Namer
                        ) -> Section | None:
    lang = namer.lang
    rows = []
    for s in proposal.explanation.shares:
        if s.target <= 0:
            continue
        key = "young" if s.rule == "young_share_min" else "frontline"
        rows.append((t(f"share_{key}", lang, age=problem.rules.targets.young_age_max),
                     percent(s.achieved), t("at_least", lang, target=percent(s.target)),
                     t("of", lang, count=s.count, total=s.of)))
    m = proposal.moves
    moved = np.asarray(m.candidate, np.int64)
    is_post = m.is_post
    for rule in problem.rules.composition:
        flags = problem.regulations.attribute(rule.attribute, problem.n_candidates) == rule.value
        if rule.over == "posts":
            level = problem.posts.level[np.asarray(m.target, np.int64)[is_post]]
            counted = moved[is_post][rule.counts_level(level)]
        else:
            counted = moved
        count = int(flags[counted].sum())
        share = count / len(counted) if len(counted) else 0.0
        target = " ".join(x for x in (
            t("at_least", lang, target=percent(rule.min_share)) if rule.min_share else "",
            t("at_least_people", lang, count=rule.min_count) if rule.min_count else "") if x)
        rows.append((t("composition_rule", lang, attribute=rule.attribute, value=rule.value,
                       over=counted_moves(rule, problem.rules.names, lang)),
                     percent(share), target, t("of", lang, count=count, total=len(counted))))
    for rule in problem.rules.team:
        rows += team_rows(problem, proposal, rule, namer)
    if not rows:
        return None
    header = (t("rule_col", lang), t("achieved", lang), t("target", lang), t("count", lang))
    return Section("composition", t("composition_title", lang),
                   tables=(TableBlock(header, tuple(rows)),))


def counted_moves(rule, names, lang: str) -> str:
    """The moves a composition rule counts, in words ("post appointments (副处, 正处)")."""
    over = t(f"over_{rule.over.value}", lang)
    if not rule.levels:
        return over
    levels = t("list_sep", lang).join(names.level_name(v) for v in rule.levels)
    return f"{over}（{levels}）" if lang == "zh" else f"{over} ({levels})"


def team_rows(problem: AllocationProblem, proposal: Proposal, rule, namer: Namer) -> list:
    from optimize.formulation import team_units

    lang = namer.lang
    n_units = len(problem.unit_names)
    have = problem.regulations.team_count(rule.attribute, rule.value, n_units)
    flags = problem.regulations.attribute(rule.attribute, problem.n_candidates) == rule.value
    m = proposal.moves
    added = np.zeros(n_units, np.int64)
    for i, target, is_post in zip(m.candidate.tolist(), m.target.tolist(), m.is_post.tolist(),
                                  strict=True):
        if is_post and flags[i]:
            added[problem.posts.unit[target]] += 1
    rows = []
    for u in team_units(problem, rule).tolist():
        total = int(have[u] + added[u])
        rows.append((t("team_rule", lang, unit=namer.unit(u), attribute=rule.attribute,
                       value=rule.value),
                     t("people", lang, count=total),
                     t("at_least_people", lang, count=rule.min_count),
                     t("team_detail", lang, current=int(have[u]), added=int(added[u]))))
    return rows


def alternatives_section(proposal: Proposal, namer: Namer) -> Section | None:
    if not proposal.alternatives:
        return None
    lang = namer.lang
    rows = []
    for k, a in enumerate(proposal.alternatives, start=2):
        rows.append((t("plan_name", lang, n=plan_number(k, lang)), number(a.objective),
                     number(a.loss), change_text(a, namer)))
    header = (t("plan_col", lang), t("col_value_total", lang), t("loss_col", lang),
              t("changes_col", lang))
    return Section("alternatives", t("alternatives_title", lang),
                   (t("alternatives_intro", lang),), (TableBlock(header, tuple(rows)),))


def plan_number(k: int, lang: str) -> str:
    digits = "零一二三四五六七八九十"
    if lang == "zh" and k <= 10:
        return digits[k]
    return str(k)


def evidence(problem: AllocationProblem, i: int, j: int, namer: Namer) -> str:
    """Why candidate i may take post j, in words: rank, years, age."""
    from optimize.eligibility import effective_years, relieved_candidates

    c, p, rules = problem.candidates, problem.posts, problem.rules
    years = effective_years(problem, relieved_candidates(problem))[i]
    parts = [
        t("ev_rank", namer.lang, rank=namer.rank(int(c.rank[i])),
          minimum=namer.rank(int(p.min_rank[j]))),
        t("ev_years", namer.lang, years=plain(years),
          minimum=plain(rules.min_years_post_for(int(p.level[j])))),
    ]
    if rules.eligibility.max_age < 200:
        parts.append(t("ev_age", namer.lang, age=int(c.age[i]),
                       limit=rules.eligibility.max_age))
    return t("list_sep", namer.lang).join(parts)


def ineligible_reasons(problem: AllocationProblem, i: int, j: int, namer: Namer) -> list[str]:
    """Why candidate i may not take post j, in words (empty when eligible)."""
    from optimize.eligibility import (
        effective_years,
        regulation_bars,
        relieved_candidates,
    )

    c, p, rules, lang = problem.candidates, problem.posts, problem.rules, namer.lang
    e = rules.eligibility
    years = float(effective_years(problem, relieved_candidates(problem))[i])
    needed = rules.min_years_post_for(int(p.level[j]))
    out = []
    if c.rank[i] < p.min_rank[j]:
        out.append(t("no_rank", lang, rank=namer.rank(int(c.rank[i])),
                     minimum=namer.rank(int(p.min_rank[j]))))
    if c.post_level[i] >= p.level[j]:
        out.append(t("no_level", lang, level=namer.level(int(c.post_level[i]))))
    if years < needed - 1e-9:
        out.append(t("no_years", lang, years=plain(years), minimum=plain(needed)))
    if c.blocked[i]:
        out.append(t("no_blocked", lang))
    if c.age[i] > e.max_age:
        out.append(t("no_age", lang, age=int(c.age[i]), limit=e.max_age))
    if e.mobility is Mobility.WITHIN_UNIT and c.unit[i] != p.unit[j]:
        out.append(t("no_mobility", lang))
    bars = regulation_bars(problem, np.array([i]), np.array([j]))
    out += [t(f"no_{rule}", lang) for rule, mask in bars.items() if mask[0]]
    return out


def shortlist_section(problem: AllocationProblem, proposal: Proposal, namer: Namer
                      ) -> Section | None:
    if not proposal.shortlist:
        return None
    lang = namer.lang
    rows = []
    order = defaultdict(int)
    for e in proposal.shortlist:
        order[e.post] += 1
        rows.append((namer.post(e.post), str(order[e.post]), namer.person(e.candidate),
                     number(problem.candidates.score[e.candidate]), number(e.value),
                     t("holder", lang) if e.holder else number(e.loss),
                     evidence(problem, e.candidate, e.post, namer)))
    header = (t("col_post", lang), t("col_order", lang), t("col_person", lang),
              t("col_score", lang), t("col_value", lang), t("loss_col", lang),
              t("col_evidence", lang))
    return Section("shortlist", t("shortlist_title", lang), (t("shortlist_intro", lang),),
                   (TableBlock(header, tuple(rows)),))


def why_not_section(problem: AllocationProblem, proposal: Proposal, namer: Namer
                    ) -> Section | None:
    if not proposal.passed_over:
        return None
    lang = namer.lang
    shown = defaultdict(int)
    rows = []
    # the reasons a reader asks about first: a rule, then the scoring rule, then other moves
    priority = {Reason.RULE: 0, Reason.LOWER_VALUE: 1, Reason.MOVED_ELSEWHERE: 2}
    for item in sorted(proposal.passed_over, key=lambda x: (x.post, priority[x.reason],
                                                              -problem.candidates.score[
                                                                  x.candidate])):
        if shown[item.post] >= WHY_NOT_PER_POST:
            continue
        shown[item.post] += 1
        c = problem.candidates
        rows.append((namer.post(item.post),
                     t("person_score", lang, who=namer.person(item.holder),
                       score=number(c.score[item.holder])),
                     t("person_score", lang, who=namer.person(item.candidate),
                       score=number(c.score[item.candidate])),
                     why_not_text(problem, proposal, item, namer)))
    header = (t("col_post", lang), t("col_appointed", lang), t("col_passed", lang),
              t("col_reason", lang))
    total = len(proposal.passed_over)
    return Section("why_not", t("why_not_title", lang),
                   (t("why_not_intro", lang, per_post=WHY_NOT_PER_POST, total=total),),
                   (TableBlock(header, tuple(rows)),))


def why_not_text(problem: AllocationProblem, proposal: Proposal, item, namer: Namer) -> str:
    lang = namer.lang
    if item.reason == Reason.MOVED_ELSEWHERE:
        m = proposal.moves
        where = np.flatnonzero(m.candidate == item.candidate)
        target = namer.move(m.kind[where[0]], int(m.target[where[0]])) if len(where) else "?"
        value = number(m.value[where[0]]) if len(where) else "—"
        return t("why_elsewhere", lang, target=target, value=value,
                 own=number(item.value))
    if item.reason == Reason.LOWER_VALUE:
        return t("why_lower_value", lang, value=number(item.value),
                 holder_value=number(item.holder_value))
    rules = t("list_sep", lang).join(t(f"family_{f}", lang) for f in item.binding) \
        or t("family_none", lang)
    if math.isfinite(item.loss):
        return t("why_rule", lang, loss=number(item.loss), rules=rules)
    if item.loss == math.inf:
        return t("why_rule_infeasible", lang)
    return t("why_rule_unsolved", lang, rules=rules)


def prices_section(problem: AllocationProblem, proposal: Proposal, namer: Namer
                   ) -> Section | None:
    lang = namer.lang
    items = []
    for price in sorted(proposal.prices, key=lambda p: -abs(p.dual)):
        if not price.binding:
            continue
        items.append(price_text(problem, price, namer))
    if not items:
        return None
    return Section("prices", t("prices_title", lang), (t("prices_intro", lang),),
                   items=tuple(items))


def price_text(problem: AllocationProblem, price, namer: Namer) -> str:
    lang = namer.lang
    if price.family == "pool":
        if price.next_candidate >= 0:
            return t("price_pool_next", lang, slot=namer.pool_row(price.entity),
                     who=namer.person(price.next_candidate), value=number(price.next_value),
                     dual=number(price.dual))
        return t("price_pool", lang, slot=namer.pool_row(price.entity), dual=number(price.dual))
    if price.family == "must_fill":
        return t("price_must_fill", lang, post=namer.post(price.entity), dual=number(price.dual))
    if price.family == "max_outflow_per_unit":
        return t("price_outflow", lang, unit=namer.unit(price.entity), dual=number(price.dual))
    key = "young" if price.family == "young_share_min" else "frontline"
    return t(f"price_{key}", lang, value=number(price.per_point or 0.0))


def rules_section(problem: AllocationProblem, namer: Namer) -> Section:
    """Every rule applied, in words, with its numbers."""
    lang, rules = namer.lang, problem.rules
    e, tg, w, lim = rules.eligibility, rules.targets, rules.weights, rules.limits
    sep = t("list_sep", lang)
    items = [
        t("rule_post_rank", lang),
        t("rule_post_level", lang),
    ]
    if e.min_years_post:
        items.append(t("rule_years_post", lang, list=sep.join(
            t("years_for", lang, what=namer.level(k), years=plain(v))
            for k, v in sorted(e.min_years_post.items()))))
    if e.min_years_rank:
        items.append(t("rule_years_rank", lang, list=sep.join(
            t("years_for", lang, what=namer.rank(k), years=plain(v))
            for k, v in sorted(e.min_years_rank.items()))))
    if e.min_years_relief > 0 and e.relief_top_share > 0:
        items.append(t("rule_relief", lang, share=percent(e.relief_top_share),
                       years=plain(e.min_years_relief)))
    if e.excellent_bonus_years > 0:
        items.append(t("rule_excellent", lang, years=plain(e.excellent_bonus_years)))
    if e.max_age < 200:
        items.append(t("rule_age", lang, age=e.max_age))
    items.append(t("rule_blocked", lang))
    items.append(t("rule_mobility_" + ("unified" if e.mobility is Mobility.UNIFIED
                                       else "within"), lang))
    reg = problem.regulations
    if len(reg.terms_in_post) or len(reg.years_at_level):
        items.append(t("rule_tenure", lang, terms=e.max_terms_in_post,
                       years=plain(e.max_years_at_level)))
    if len(reg.birthplace) and len(reg.post_principal):
        items.append(t("rule_birthplace", lang))
    if len(reg.conflicts):
        items.append(t("rule_conflicts", lang, count=len(reg.conflicts)))
    if len(reg.locks):
        must = sum(1 for k in reg.locks.kind if k == "must")
        items.append(t("rule_locks", lang, must=must, forbid=len(reg.locks) - must))
    if problem.posts.must_fill.any():
        items.append(t("rule_must_fill", lang, count=int(problem.posts.must_fill.sum())))
    items.append(t("rule_pools", lang, slots=int(problem.pools.headroom.sum())))
    if tg.young_share_min > 0:
        items.append(t("rule_young", lang, age=tg.young_age_max,
                       share=percent(tg.young_share_min)))
    if tg.frontline_share_min > 0:
        items.append(t("rule_frontline", lang, share=percent(tg.frontline_share_min)))
    for rule in rules.composition:
        items.append(t("rule_composition", lang, attribute=rule.attribute, value=rule.value,
                       over=counted_moves(rule, problem.rules.names, lang),
                       target=sep.join(x for x in (
                           percent(rule.min_share) if rule.min_share else "",
                           t("people", lang, count=rule.min_count) if rule.min_count else "")
                           if x)))
    for rule in rules.team:
        units = sep.join(rule.units) if rule.units else t("every_unit", lang)
        items.append(t("rule_team", lang, attribute=rule.attribute, value=rule.value,
                       count=rule.min_count, units=units))
    if lim.max_outflow_per_unit >= 0:
        items.append(t("rule_outflow", lang, count=lim.max_outflow_per_unit))
    items.append(t("rule_weights", lang, frontline=plain(w.frontline_weight),
                   hardship=plain(w.hardship_exponent)))
    return Section("rules", t("rules_title", lang), items=tuple(items))


def formula_section(problem: AllocationProblem, proposal: Proposal, namer: Namer) -> Section:
    """The scoring formula, one worked example, and what value and margin mean."""
    lang = namer.lang
    w = problem.rules.weights
    paragraphs = [t("formula", lang, frontline=plain(w.frontline_weight),
                    eta=plain(w.hardship_exponent))]
    m = proposal.moves
    if len(m):
        k = int(np.flatnonzero(m.is_post)[0]) if m.is_post.any() else 0
        i = int(m.candidate[k])
        paragraphs.append(t(
            "formula_example", lang, who=namer.person(i), move=namer.move(m.kind[k],
                                                                          int(m.target[k])),
            score=number(m.score[k]), weight=plain(m.weight[k]), fit=plain(m.fit[k]),
            frontline=plain(m.frontline_factor[k]),
            hardship=plain(problem.candidates.hardship[i]), eta=plain(w.hardship_exponent),
            value=number(m.value[k])))
    paragraphs += [t("define_value", lang), t("define_loss", lang), t("define_total", lang)]
    return Section("formula", t("formula_title", lang), tuple(paragraphs))


def provenance_section(provenance: dict, lang: str) -> Section:
    items = []
    for role, info in (provenance.get("inputs") or {}).items():
        if info is None:
            continue
        if "rows" not in info:
            items.append(t("prov_rules", lang, role=t(f"role_{role}", lang), file=info["file"],
                           sha=info["sha256"][:16]))
            continue
        sheet = f"#{info['sheet']}" if info.get("sheet") else ""
        items.append(t("prov_file", lang, role=t(f"role_{role}", lang),
                       file=f"{info['file']}{sheet}", rows=info.get("rows", "—"),
                       encoding=info.get("encoding", "—"), sha=info["sha256"][:16]))
    if provenance.get("command"):
        items.append(t("prov_command", lang, command=" ".join(provenance["command"])))
    if provenance.get("software"):
        items.append(t("prov_software", lang, versions=", ".join(
            f"{k} {v}" for k, v in provenance["software"].items())))
    return Section("provenance", t("provenance_title", lang), items=tuple(items))

"""Read the allocation input files into an ``AllocationProblem`` (writing: ``output``).

Input contract (every table ``.csv`` in UTF-8, UTF-8 with BOM or GB18030/GBK,
or ``.xlsx``, ``file.xlsx#Sheet`` for a sheet other than the first; cells are
read as text and stripped; empty cells of optional columns mean the default,
empty cells of required columns are errors; headers may be the Chinese aliases
of docs/allocation.md; columns the contract does not know are kept and carried
into the outputs):

``candidates``
    ``id`` (unique), ``unit``, ``rank`` (integer >= 0 or a rank name),
    ``age`` (integer >= 0), ``years_in_grade`` (number >= 0), ``score``
    (number >= 0); optional ``post_level`` (integer >= 0 or a level name,
    default 0), ``frontline`` (0/1, default 0), ``hardship`` (number >= 1,
    default 1), ``blocked`` (0/1, default 0), ``pool`` (required when the
    pools file names more than one pool), ``birthplace`` (成长地),
    ``terms_in_post``, ``years_at_level``, ``excellent_years``.
``posts``
    ``id`` (unique), ``unit``, ``level`` (integer >= 1 or a level name),
    ``min_rank`` (integer >= 0 or a rank name); optional ``title``, ``weight``
    (number > 0, default 1), ``must_fill`` (0/1, default 0), ``county``,
    ``principal`` (0/1, 正职).
``pools``
    ``pool``, ``rank`` (integer >= 1, the rank promoted into), ``headroom``
    (integer >= 0); (pool, rank) unique.
``fit`` (optional)
    ``candidate``, ``post`` (ids), ``fit`` (finite number); pairs unique.
``conflicts`` (optional, 任职回避)
    ``a``, ``b`` (cadre ids), ``kind`` (``same_unit`` / ``supervise``);
    optional ``a_unit``, ``b_unit``: the unit of a cadre who is not a candidate.
``locks`` (optional)
    ``candidate``, ``target`` (a post id, a pool, or empty = any move),
    ``lock`` (``must`` / ``forbid``).
``teams`` (optional)
    ``unit`` and the attribute columns of each current member of a unit's
    leadership team (one row per member).
``rules.toml`` (optional)
    The schema of ``optimize.rules.Rules``; unknown keys are errors.

Every problem of a file (up to 20) is reported at once, each one line naming
the file, the line (the Excel row; the header is line 1), the column or TOML
key, and what was expected.

Outputs (``write_proposal``): ``proposal.csv``, ``proposal.json``,
``proposal.xlsx``, ``report.html``, ``report.md``, ``alternatives.csv`` and
``shortlist.csv`` when asked, and optionally ``model.lp``, written into a
temporary sibling folder that replaces ``out_dir`` only once complete.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from experiments.allocation.display import Display, build_display
from experiments.allocation.tables import (
    CellKind,
    Column,
    ErrorLog,
    InputErrors,
    Table,
    describe_cell,
    listing,
    raise_all,
    read_bytes,
    read_table,
)
from experiments.common.errors import InputError
from optimize.problem import AllocationProblem, Candidates, Fit, Posts, RankPools
from optimize.regulations import ConflictKind, Conflicts, LockKind, Locks, Regulations
from optimize.rules import Rules

__all__ = ["InputErrors", "read_allocation_inputs", "read_allocation_files"]


# --------------------------------------------------------------------------- columns

C = CellKind
CANDIDATE_COLUMNS = (
    Column("id", C.TEXT, aliases=("编号", "干部编号", "人员编号")),
    Column("unit", C.TEXT, aliases=("单位", "所在单位", "工作单位")),
    Column("rank", C.INTEGER, minimum=0, aliases=("职级", "现职级"), ladder="rank"),
    Column("age", C.INTEGER, minimum=0, aliases=("年龄",)),
    Column("years_in_grade", C.NUMBER, minimum=0, aliases=("任现职级年限",)),
    Column("score", C.NUMBER, minimum=0, aliases=("考核得分", "得分")),
    Column("post_level", C.INTEGER, required=False, default="0", minimum=0,
           aliases=("现任职务层级",), ladder="level"),
    Column("frontline", C.FLAG, required=False, default="0", aliases=("一线",)),
    Column("hardship", C.NUMBER, required=False, default="1", minimum=1,
           aliases=("艰苦系数",)),
    Column("blocked", C.FLAG, required=False, default="0", aliases=("影响期",)),
    # Required or not depends on the pools file; checked in ``candidate_pools``.
    Column("pool", C.TEXT, required=False, aliases=("职级池",)),
    Column("birthplace", C.TEXT, required=False, aliases=("成长地",)),
    Column("terms_in_post", C.INTEGER, required=False, default="0", minimum=0,
           aliases=("任职届数", "连续任职届数")),
    Column("years_at_level", C.NUMBER, required=False, default="0", minimum=0,
           aliases=("同层级任职年限",)),
    Column("excellent_years", C.INTEGER, required=False, default="0", minimum=0,
           aliases=("优秀年度数", "优秀次数")),
)
CANDIDATE_EXTRA_ALIASES = {
    "姓名": "name", "性别": "gender", "民族": "ethnicity", "现任职务": "current_post",
    "政治面貌": "party", "出生年月": "born", "学历": "education",
}
"""Columns carried (not used by the program unless a composition rule names them)."""

POST_COLUMNS = (
    Column("id", C.TEXT, aliases=("岗位编号",)),
    Column("title", C.TEXT, required=False, aliases=("岗位名称", "职务名称")),
    Column("unit", C.TEXT, aliases=("单位", "所在单位")),
    Column("level", C.INTEGER, minimum=1, aliases=("层级", "职务层级"), ladder="level"),
    Column("min_rank", C.INTEGER, minimum=0, aliases=("最低职级",), ladder="rank"),
    Column("weight", C.NUMBER, required=False, default="1", minimum=0, strict=True,
           aliases=("权重",)),
    Column("must_fill", C.FLAG, required=False, default="0", aliases=("必须配备",)),
    Column("county", C.TEXT, required=False, aliases=("所在县", "县区")),
    Column("principal", C.FLAG, required=False, default="0", aliases=("正职",)),
)
POOL_COLUMNS = (
    Column("pool", C.TEXT, aliases=("职级池",)),
    Column("rank", C.INTEGER, minimum=1, aliases=("职级",), ladder="rank"),
    Column("headroom", C.INTEGER, minimum=0, aliases=("职数", "空缺职数")),
)
FIT_COLUMNS = (
    Column("candidate", C.TEXT, aliases=("编号", "干部编号")),
    Column("post", C.TEXT, aliases=("岗位编号",)),
    Column("fit", C.NUMBER, aliases=("人岗相适度", "适配度")),
)
CONFLICT_COLUMNS = (
    Column("a", C.TEXT, aliases=("干部甲",)),
    Column("b", C.TEXT, aliases=("干部乙",)),
    Column("kind", C.TEXT, aliases=("回避类型",)),
    Column("a_unit", C.TEXT, required=False, aliases=("甲单位",)),
    Column("b_unit", C.TEXT, required=False, aliases=("乙单位",)),
)
LOCK_COLUMNS = (
    Column("candidate", C.TEXT, aliases=("编号", "干部编号")),
    Column("target", C.TEXT, required=False, aliases=("目标", "岗位或职级池")),
    Column("lock", C.TEXT, aliases=("决定", "类型")),
)
TEAM_COLUMNS = (Column("unit", C.TEXT, aliases=("单位",)),)

CONFLICT_WORDS = {"same_unit": ConflictKind.SAME_UNIT, "同单位": ConflictKind.SAME_UNIT,
                  "supervise": ConflictKind.SUPERVISE, "上下级": ConflictKind.SUPERVISE,
                  "监督": ConflictKind.SUPERVISE}
LOCK_WORDS = {"must": LockKind.MUST, "必须": LockKind.MUST, "forbid": LockKind.FORBID,
              "禁止": LockKind.FORBID, "不得": LockKind.FORBID}


@dataclass(frozen=True)
class AllocationInputs:
    """The problem, where it came from, what the outputs show, and notices for the user."""

    problem: AllocationProblem
    provenance: dict
    display: Display
    notices: tuple[str, ...] = ()


# --------------------------------------------------------------------------- reading


def read_allocation_inputs(
    candidates: Path,
    posts: Path,
    pools: Path,
    rules: Path | None = None,
    fit: Path | None = None,
) -> tuple[AllocationProblem, dict]:
    """``read_allocation_files`` for the core files: ``(problem, provenance)``."""
    inputs = read_allocation_files(candidates, posts, pools, rules=rules, fit=fit)
    return inputs.problem, inputs.provenance


def read_allocation_files(
    candidates: Path,
    posts: Path,
    pools: Path,
    *,
    rules: Path | None = None,
    fit: Path | None = None,
    conflicts: Path | None = None,
    locks: Path | None = None,
    teams: Path | None = None,
) -> AllocationInputs:
    """Read and validate the input files of one allocation.

    Returns
    -------
    AllocationInputs
        Units are coded in order of first appearance over candidates then posts,
        pools in order of first appearance in the pools file. The provenance is
        ``{"inputs": {role: {"file", "sha256", "rows", "encoding", "path"} or None}}``.

    Raises
    ------
    InputErrors
        Every problem found, file by file (up to 20 per file).
    """
    rules_read, rules_info = (Rules(), None) if rules is None else read_rules(Path(rules))
    ladders = {"rank": {v: k for k, v in rules_read.names.rank.items()},
               "level": {v: k for k, v in rules_read.names.level.items()}}
    logs: dict[str, ErrorLog] = {}
    specs = {
        "candidates": (candidates, CANDIDATE_COLUMNS, "candidate", ("id",)),
        "posts": (posts, POST_COLUMNS, "post", ("id",)),
        "pools": (pools, POOL_COLUMNS, "pool", ("pool", "rank")),
        "fit": (fit, FIT_COLUMNS, None, ("candidate", "post")),
        "conflicts": (conflicts, CONFLICT_COLUMNS, None, ()),
        "locks": (locks, LOCK_COLUMNS, None, ()),
        "teams": (teams, TEAM_COLUMNS, None, ()),
    }
    tables: dict[str, Table | None] = {}
    for role, (path, columns, what, key) in specs.items():
        logs[role] = ErrorLog()
        tables[role] = None if path is None else _read_role(
            path, columns, what, key, ladders, logs[role])
    raise_all(list(logs.values()))
    cand, post, pool = tables["candidates"], tables["posts"], tables["pools"]
    unit_codes, unit_names = factorize(np.concatenate([cand.values["unit"],
                                                       post.values["unit"]]))
    pool_codes, pool_names = factorize(pool.values["pool"])
    n_cand = len(cand)
    unit_index = {name: u for u, name in enumerate(unit_names)}
    core = AllocationProblem(
        candidates=build_candidates(cand, unit_codes[:n_cand], pool_names, pool.path.name),
        posts=build_posts(post, unit_codes[n_cand:]),
        pools=RankPools(pool=pool_codes, rank=pool.values["rank"],
                        headroom=pool.values["headroom"]),
        rules=rules_read,
        fit=Fit() if tables["fit"] is None else build_fit(tables["fit"], cand, post),
        unit_names=tuple(str(u) for u in unit_names),
        pool_names=tuple(str(p) for p in pool_names),
    )
    attributes = candidate_attributes(cand)
    team_unit, team_attributes = build_teams(tables["teams"], unit_index, logs["teams"])
    check_rule_attributes(Path(rules) if rules else None, rules_read, attributes,
                          team_attributes if tables["teams"] is not None else None, unit_index)
    regulations = Regulations(
        attributes=attributes,
        birthplace=cand.values["birthplace"] if "birthplace" in cand.present else _none(),
        post_county=post.values["county"] if "county" in post.present else _none(),
        post_principal=post.values["principal"] if "principal" in post.present else
        np.zeros(0, bool),
        terms_in_post=cand.values["terms_in_post"] if "terms_in_post" in cand.present else
        np.zeros(0, np.int64),
        years_at_level=cand.values["years_at_level"] if "years_at_level" in cand.present else
        np.zeros(0),
        excellent_years=(cand.values["excellent_years"].astype(float)
                         if "excellent_years" in cand.present else np.zeros(0)),
        conflicts=build_conflicts(tables["conflicts"], cand, unit_index, logs["conflicts"]),
        team_unit=team_unit,
        team_attributes=team_attributes,
    )
    problem = dataclasses.replace(core, regulations=regulations)
    locks_read = build_locks(tables["locks"], problem, logs["locks"])
    raise_all([logs["conflicts"], logs["locks"], logs["teams"]])
    problem = dataclasses.replace(problem, regulations=dataclasses.replace(
        regulations, locks=locks_read))
    inputs = {role: (None if table is None else
                     {**table.describe(), "path": str(table.path.resolve())})
              for role, table in tables.items()}
    inputs["rules"] = None if rules_info is None else {
        **rules_info, "path": str(Path(rules).resolve())}
    return AllocationInputs(problem, {"inputs": inputs}, build_display(cand, post),
                            tuple(notices(tables)))


def _none() -> np.ndarray:
    return np.zeros(0, object)


def _read_role(path, columns, what, key, ladders, log: ErrorLog) -> Table | None:
    extra = CANDIDATE_EXTRA_ALIASES if columns in (CANDIDATE_COLUMNS, TEAM_COLUMNS) else {}
    try:
        table = read_table(path, columns, ladders=ladders, extra_aliases=extra)
        if what is not None:
            require_rows(table, what)
        if key:
            check_unique(table, tuple(key))
        return table
    except InputErrors as errors:
        for error in errors.errors:
            log.add(error)
    except InputError as error:
        log.add(error)
    return None


def notices(tables: dict[str, Table | None]) -> list[str]:
    """One line per file with extra columns: they are kept and carried, not rejected."""
    out = []
    for role in ("candidates", "posts"):
        table = tables[role]
        if table is not None and table.extras:
            names = ", ".join(table.headers.get(k, k) for k in table.extras)
            where = table.path.name + (f"#{table.sheet}" if table.sheet else "")
            out.append(f"{where}: extra columns kept and carried into the outputs: {names}")
    return out


def require_rows(table: Table, what: str) -> None:
    if len(table) == 0:
        raise InputError(table.path, f"at least one {what} row below the header",
                         got="no data rows")


def check_unique(table: Table, key: Sequence[str]) -> None:
    """Raise naming both lines of every repeated key (up to the error limit)."""
    import pandas as pd

    frame = pd.DataFrame({name: table.values[name] for name in key})
    repeated = np.flatnonzero(frame.duplicated().to_numpy())
    if len(repeated) == 0:
        return
    first_of = {}
    for index, row in enumerate(frame.itertuples(index=False, name=None)):
        first_of.setdefault(row, index)
    log = ErrorLog()
    what = "id" if tuple(key) == ("id",) else f"({', '.join(key)}) pair"
    for index in repeated.tolist():
        value = tuple(frame.iloc[index])
        earlier = int(table.lines[first_of[value]])
        shown = ", ".join(f"{name} {_show(v)}" for name, v in zip(key, value, strict=True))
        log.add(InputError(
            table.path, f"a unique {what}", row=int(table.lines[index]),
            column=table.headers.get(key[0], key[0]),
            reason=f"expected a unique {what}, got {shown} again (first on line {earlier})"))
    log.raise_if_any()


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes in order of first appearance, and the names."""
    index: dict[str, int] = {}
    codes = np.array([index.setdefault(v, len(index)) for v in values.tolist()], np.int64)
    return codes, list(index)


def build_candidates(table: Table, unit: np.ndarray, pool_names: list[str],
                     pools_file: str = "pools.csv") -> Candidates:
    v = table.values
    return Candidates(
        id=v["id"], unit=unit, rank=v["rank"], age=v["age"],
        years_in_grade=v["years_in_grade"], score=v["score"], post_level=v["post_level"],
        frontline=v["frontline"], hardship=v["hardship"], blocked=v["blocked"],
        pool=candidate_pools(table, pool_names, pools_file),
    )


def candidate_pools(table: Table, pool_names: list[str], pools_file: str = "pools.csv"
                    ) -> np.ndarray:
    """``(n,) int``: each candidate's pool code; empty cells mean the only pool, if one."""
    names = list(pool_names)
    listed = listing(names)
    cells = table.values["pool"]
    if len(names) > 1 and "pool" not in table.present:
        raise InputError(
            table.path, "a column named 'pool'", row=1,
            reason=f"missing column 'pool' (职级池): required because {pools_file} lists "
            f"{len(names)} pools ({listed})",
        )
    if len(names) == 1:
        cells = np.where(cells == "", names[0], cells)
    index = {name: k for k, name in enumerate(names)}
    codes = np.array([index.get(c, -1) for c in cells.tolist()], np.int64)
    log = ErrorLog()
    for row in np.flatnonzero(codes < 0):
        log.add(table.fail(int(row), "pool", f"a pool listed in {pools_file} ({listed})",
                           describe_cell(str(cells[row]))))
    log.raise_if_any()
    return codes


def build_posts(table: Table, unit: np.ndarray) -> Posts:
    v = table.values
    return Posts(id=v["id"], unit=unit, level=v["level"], min_rank=v["min_rank"],
                 weight=v["weight"], must_fill=v["must_fill"])


def build_fit(table: Table, cand: Table, posts: Table) -> Fit:
    """Sparse fit with candidate and post ids mapped to row indices."""
    log = ErrorLog()
    candidate = ids_to_index(table, "candidate", cand, log)
    post = ids_to_index(table, "post", posts, log)
    log.raise_if_any()
    return Fit(candidate=candidate, post=post, fit=table.values["fit"])


def ids_to_index(table: Table, column: str, target: Table, log: ErrorLog,
                 allow_missing: bool = False) -> np.ndarray:
    index = {name: k for k, name in enumerate(target.values["id"].tolist())}
    ids = table.values[column]
    out = np.array([index.get(i, -1) for i in ids.tolist()], np.int64)
    if not allow_missing:
        for row in np.flatnonzero(out < 0):
            log.add(table.fail(int(row), column, f"an id from {target.path.name}",
                               repr(ids[row])))
    return out


def candidate_attributes(cand: Table) -> dict[str, np.ndarray]:
    """Columns a composition or team rule may name: extras and text columns, by name and header."""
    out: dict[str, np.ndarray] = {}
    for name in ("unit", "pool", "birthplace"):
        if name in cand.present:
            out[name] = cand.values[name]
    for name, values in cand.extras.items():
        out[name] = values
    for name in list(out):
        out.setdefault(cand.headers.get(name, name), out[name])
    return out


def check_rule_attributes(path: Path | None, rules: Rules, attributes: dict,
                          team_attributes: dict | None, unit_index: dict) -> None:
    """Composition and team rules name candidate columns (and teams columns, units)."""
    log = ErrorLog()
    known = ", ".join(sorted(attributes)) or "none"
    for family, entries in (("composition", rules.composition), ("team", rules.team)):
        for k, rule in enumerate(entries):
            if rule.attribute not in attributes:
                log.add(InputError(path or "rules.toml", "a candidates column",
                                   key=f"{family}.{k}.attribute",
                                   reason=f"expected a column of the candidates file "
                                   f"(have: {known}), got {rule.attribute!r}"))
            if family == "team" and team_attributes is not None and \
                    rule.attribute not in team_attributes:
                log.add(InputError(path or "rules.toml", "a teams column",
                                   key=f"{family}.{k}.attribute",
                                   reason=f"the teams file has no column {rule.attribute!r}"))
            for unit in getattr(rule, "units", ()):
                if unit not in unit_index:
                    log.add(InputError(path or "rules.toml", "a unit of the input files",
                                       key=f"{family}.{k}.units", got=repr(unit)))
    log.raise_if_any()


def build_teams(table: Table | None, unit_index: dict, log: ErrorLog
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    if table is None:
        return np.zeros(0, np.int64), {}
    units = table.values["unit"]
    codes = np.array([unit_index.get(u, -1) for u in units.tolist()], np.int64)
    for row in np.flatnonzero(codes < 0):
        log.add(table.fail(int(row), "unit", "a unit of the candidates or posts file",
                           repr(units[row])))
    keep = codes >= 0
    attributes = {}
    for name, values in table.extras.items():
        attributes[name] = values[keep]
        attributes.setdefault(table.headers.get(name, name), values[keep])
    return codes[keep], attributes


def build_conflicts(table: Table | None, cand: Table, unit_index: dict, log: ErrorLog
                    ) -> Conflicts:
    """Conflict pairs; a cadre who is not a candidate needs its unit (``a_unit``/``b_unit``)."""
    if table is None:
        return Conflicts()
    v = table.values
    a = ids_to_index(table, "a", cand, log, allow_missing=True)
    b = ids_to_index(table, "b", cand, log, allow_missing=True)
    out_a, out_b, out_unit, kinds = [], [], [], []
    for row in range(len(table)):
        kind = CONFLICT_WORDS.get(v["kind"][row])
        if kind is None:
            log.add(table.fail(row, "kind", "same_unit (同单位) or supervise (上下级)",
                               repr(v["kind"][row])))
            continue
        i, k = int(a[row]), int(b[row])
        if i < 0 and k < 0:
            log.add(table.fail(row, "a", "a candidate id (at least one of a, b)",
                               repr(v["a"][row])))
            continue
        if i < 0:  # keep the candidate first
            i, k, other, other_id = k, -1, v["a_unit"][row], ("a", v["a"][row])
        else:
            other, other_id = v["b_unit"][row], ("b", v["b"][row])
        unit = -1
        if k < 0:
            unit = unit_index.get(other, -1)
            if other == "" or unit < 0:
                column = other_id[0]
                log.add(table.fail(row, column, "a candidate id, or the cadre's unit in "
                                   f"column {column}_unit", repr(other_id[1])))
                continue
        out_a.append(i)
        out_b.append(k)
        out_unit.append(unit)
        kinds.append(kind)
    return Conflicts(np.array(out_a, np.int64), np.array(out_b, np.int64),
                     np.array(out_unit, np.int64), tuple(kinds))


def build_locks(table: Table | None, problem: AllocationProblem, log: ErrorLog) -> Locks:
    """Locks with targets resolved; a must lock to a move the candidate is not eligible for
    is an error (the rules already forbid it: the decision cannot be carried out)."""
    if table is None:
        return Locks()
    from optimize.eligibility import eligible_pairs  # the rules decide what a lock may ask

    pairs = eligible_pairs(problem)
    v = table.values
    cand_index = {c: i for i, c in enumerate(problem.candidates.id.tolist())}
    post_index = {p: j for j, p in enumerate(problem.posts.id.tolist())}
    pool_index = {p: k for k, p in enumerate(problem.pool_names)}
    rows = ([], [], [], [])
    for row in range(len(table)):
        i = cand_index.get(v["candidate"][row], -1)
        kind = LOCK_WORDS.get(v["lock"][row])
        target = v["target"][row]
        if i < 0:
            log.add(table.fail(row, "candidate", "a candidate id from the candidates file",
                               repr(v["candidate"][row])))
        if kind is None:
            log.add(table.fail(row, "lock", "must (必须) or forbid (禁止)",
                               repr(v["lock"][row])))
        j, pool = post_index.get(target, -1), pool_index.get(target, -1)
        if target and j < 0 and pool < 0:
            log.add(table.fail(row, "target", "a post id or a pool name (empty: any move)",
                               repr(target)))
            continue
        if i < 0 or kind is None:
            continue
        if kind is LockKind.MUST and not _lock_eligible(problem, pairs, i, j, pool):
            log.add(table.fail(row, "target", f"a move {v['candidate'][row]} is eligible for",
                               f"{target or 'any move'!r}, which the rules do not allow "
                               f"{v['candidate'][row]}"))
            continue
        for out, value in zip(rows, (i, j, pool, kind), strict=True):
            out.append(value)
    return Locks(np.array(rows[0], np.int64), np.array(rows[1], np.int64),
                 np.array(rows[2], np.int64), tuple(rows[3]))


def _lock_eligible(problem, pairs, i: int, j: int, pool: int) -> bool:
    posts = pairs.post_post[pairs.post_candidate == i]
    pools = problem.pools.pool[pairs.rank_pool[pairs.rank_candidate == i]]
    if j >= 0:
        return bool(np.any(posts == j))
    if pool >= 0:
        return bool(np.any(pools == pool))
    return len(posts) + len(pools) > 0


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


# --------------------------------------------------------------------------- rules


def read_rules(path: Path) -> tuple[Rules, dict]:
    """Parse and validate ``rules.toml`` (types checked strictly: ``"0.3"`` is not a number).

    Returns
    -------
    rules : Rules
    description : dict
        ``{"file", "sha256"}``.

    Raises
    ------
    InputError
        TOML syntax error (with its line), unknown key (with the allowed keys),
        or a value of the wrong type or out of range (with its dotted key path).
    """
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(path, "UTF-8 text", got=f"a byte that is not UTF-8 at byte "
                         f"{error.start}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise toml_syntax_error(path, str(error)) from error
    try:
        # Strict JSON-mode validation keeps TOML's types (a string is not a
        # number) while still accepting enum values and integer table keys.
        rules = Rules.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as error:
        raise rules_error(path, error.errors()[0]) from error
    return rules, {"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()}


def toml_syntax_error(path: Path, message: str) -> InputError:
    """``"Invalid value (at line 2, column 19)"`` -> an ``InputError`` on line 2."""
    found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", message)
    if found is None:
        return InputError(path, "valid TOML", reason=f"expected valid TOML: {message}")
    what, line, col = found.group(1), int(found.group(2)), int(found.group(3))
    return InputError(path, "valid TOML", row=line,
                      reason=f"expected valid TOML, got: {what[:1].lower()}{what[1:]} "
                      f"(character {col})")


_RULES_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "string_type": "a string",
}
_RULES_BOUNDS = {
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
}


def rules_error(path: Path, error: dict) -> InputError:
    """One pydantic error about ``rules.toml`` as an ``InputError`` naming the dotted key."""
    loc = tuple(str(part) for part in error["loc"])
    is_table_key = bool(loc) and loc[-1] == "[key]"
    loc = loc[:-1] if is_table_key else loc
    key = ".".join(loc)
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = ", ".join(allowed_keys(loc[:-1]))
        return InputError(path, f"one of {allowed}", key=key,
                          reason=f"unknown key (allowed: {allowed})")
    if kind == "value_error":  # a rule's check across its fields (Composition.levels)
        reason = str(error["msg"]).removeprefix("Value error, ")
        return InputError(path, reason, key=key, reason=reason)
    if kind in _RULES_BOUNDS:
        name, symbol = _RULES_BOUNDS[kind]
        expected = f"a number {symbol} {ctx[name]:g}"
    elif kind == "enum":
        expected = f"one of {ctx.get('expected', '')}"
    else:
        expected = _RULES_EXPECTED.get(kind, error["msg"][:1].lower() + error["msg"][1:])
    if is_table_key:
        expected = f"{expected} as the key (a level or rank)"
    return InputError(path, expected, key=key, got=describe_toml_value(error.get("input")))


def allowed_keys(loc: Sequence[str]) -> list[str]:
    """The keys allowed in the table at ``loc`` (``()`` is the top level of rules.toml)."""
    model: type[BaseModel] = Rules
    for part in loc:
        annotation = model.model_fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def describe_toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


# --------------------------------------------------------------------------- writing



"""What a scenario is: a validated, frozen description of one world and one policy package.

A scenario separates what the world does (``organisation``, ``population``,
``behaviour``: uncertainties a researcher sweeps) from what the government
chooses (the policy blocks under ``policy``: levers a planner compares), as
EMA Workbench does. Every block is a frozen pydantic model with
``extra="forbid"``, so an unknown key is an error naming it, and every number
declares its range on the field. Variants are made with
:meth:`Scenario.with_values` (validated) or a TOML ``extends``; nothing is
mutated. Do not use ``model_copy(update=...)`` for variants: pydantic does not
validate it (``years=-5`` would be accepted). The meaning, unit, source and kind
(lever or uncertainty) of every field are in ``scenarios/catalogue/levers.toml``
(:mod:`scenarios.levers`, ``youwei levers``).

Units: money in 10,000 yuan a year (万元); time in years; shares in [0, 1];
rates per year. Effort is in [0, 1]. Ability, performance and scores are on a
standardised scale (organisation mean about 0, sd about 1) unless the
organisation is a Peter-principle pyramid (competence in [1, 10]).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0, le=1)]
Years = Annotated[float, Field(ge=0, le=100)]
Positive = Annotated[float, Field(gt=0, le=1e6)]
NonNegative = Annotated[float, Field(ge=0, le=1e6)]
Level = Annotated[int, Field(ge=1, le=20)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]

MAX_SEED = 2**63 - 1
"""Largest root seed (results store it as a signed 64-bit integer)."""

BYTES_PER_CADRE = 4_000
BYTES_PER_CADRE_POST = 18
"""Memory of a run: about 4 KB a cadre (population, events) plus 18 bytes a (cadre,
post) pair (the yearly allocation's eligible pairs), fitted to two baseline worlds of
4,270 and 16,270 cadres (``python benchmarks/scenario_memory.py``)."""

MAX_SCENARIO_BYTES = 64 * 10**9
"""A scenario whose run would need more memory than this (64 GB) is refused."""

WORLD_BLOCKS = ("organisation", "population", "behaviour", "history")
"""The top-level blocks that describe the world (a world file); ``policy`` is the package."""


class _Block(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- world


class OrganisationKind(StrEnum):
    """``COUNTY``: organs and frontline units with posts and rank pools (the seeds).
    ``PYRAMID``: one hierarchy of levels with every member holding a post
    (Pluchino, Rapisarda and Garofalo, Physica A 389 (2010) 467-472)."""

    COUNTY = "county"
    PYRAMID = "pyramid"


class UnitGroup(_Block):
    """A group of identical units (e.g. 12 towns 镇街)."""

    count: Count = 1
    establishment: Count = Field(30, description="编制: cadres per unit")
    difficulty: float = Field(1.0, ge=1, le=5, description="return and error multiplier of effort")
    hardship: float = Field(1.0, ge=1, le=5, description="hardship factor for allocation")
    posts: dict[Level, Count] = Field(
        default_factory=lambda: {1: 2, 2: 1},
        description="leadership posts per unit by level (1 = 副科, 2 = 正科, 3 = 副处)",
    )


class Organisation(_Block):
    """The organisation generator."""

    kind: OrganisationKind = OrganisationKind.COUNTY
    organs: UnitGroup = Field(default_factory=lambda: UnitGroup(count=8, establishment=30))
    frontline: UnitGroup = Field(
        default_factory=lambda: UnitGroup(count=10, establishment=40, difficulty=1.3, hardship=1.2)
    )
    key_projects: UnitGroup = Field(
        default_factory=lambda: UnitGroup(count=2, establishment=15, difficulty=1.6, hardship=1.5,
                                          posts={1: 1, 2: 1})
    )
    rank_count: int = Field(6, ge=2, le=12, description="ranks 0 .. rank_count-1 (职级)")
    rank_quota: list[Share] = Field(
        default_factory=lambda: [1.0, 0.6, 0.35, 0.2, 0.1, 0.05],
        description="cap on the share of a pool's establishment at each rank or above (职数)",
    )
    post_min_rank: dict[Level, int] = Field(
        default_factory=lambda: {1: 1, 2: 2, 3: 3}, description="minimum rank for a post level"
    )
    pools: str = Field("by_kind", pattern="^(by_kind|single)$",
                       description="rank pools: one per unit kind, or one for all")
    # PYRAMID only (ignored by COUNTY):
    pyramid_levels: list[Count] = Field(
        default_factory=lambda: [81, 41, 21, 11, 5, 1], description="positions, bottom to top"
    )
    pyramid_responsibility: list[Share] = Field(
        default_factory=lambda: [0.2, 0.4, 0.6, 0.8, 0.9, 1.0], description="bottom to top"
    )

    @model_validator(mode="after")
    def check_lengths(self) -> Organisation:
        if len(self.rank_quota) != self.rank_count:
            raise ValueError(f"rank_quota has {len(self.rank_quota)} entries, expected "
                             f"rank_count = {self.rank_count}")
        if len(self.pyramid_levels) != len(self.pyramid_responsibility):
            raise ValueError("pyramid_levels and pyramid_responsibility differ in length")
        return self

    @model_validator(mode="after")
    def check_size(self) -> Organisation:
        n = self.cadre_count()
        if n == 0:
            raise ValueError("the organisation has no cadres: give some unit group a count and "
                             "an establishment above 0" if self.kind is OrganisationKind.COUNTY
                             else "the organisation has no cadres: pyramid_levels sums to 0")
        needed = self.memory_estimate()
        if needed > MAX_SCENARIO_BYTES:
            raise ValueError(f"the organisation is too large: {n:,} cadres and "
                             f"{self.post_count():,} posts would need about {needed / 1e9:,.0f} "
                             f"GB of memory, more than {MAX_SCENARIO_BYTES / 1e9:,.0f} GB: "
                             f"make it smaller")
        return self

    def post_count(self) -> int:
        """Leadership posts in the organisation (every place of a pyramid is a post)."""
        if self.kind is OrganisationKind.PYRAMID:
            return sum(self.pyramid_levels)
        groups = (self.organs, self.frontline, self.key_projects)
        return sum(group.count * sum(group.posts.values()) for group in groups)

    def memory_estimate(self) -> int:
        """Bytes a run of this organisation needs, about (:data:`BYTES_PER_CADRE`, ...)."""
        n = self.cadre_count()
        return n * BYTES_PER_CADRE + n * self.post_count() * BYTES_PER_CADRE_POST

    def cadre_count(self) -> int:
        """Cadres in the initial organisation (establishment of every unit, or pyramid places)."""
        if self.kind is OrganisationKind.PYRAMID:
            return sum(self.pyramid_levels)
        groups = (self.organs, self.frontline, self.key_projects)
        return sum(group.count * group.establishment for group in groups)


class Population(_Block):
    """Who the cadres are (distributions of the initial population and of recruits)."""

    age_min: int = Field(23, ge=16, le=70)
    age_max: int = Field(58, ge=16, le=70)
    recruit_age_mean: float = Field(26.0, ge=16, le=60)
    recruit_age_sd: float = Field(3.0, ge=0, le=20)
    retirement_age: int = Field(60, ge=30, le=80)
    ability_sd: Positive = 1.0
    motivation_mean: float = Field(0.3, ge=-5, le=5, description="public-service motivation")
    motivation_sd: NonNegative = 0.2
    integrity_alpha: Positive = Field(8.0, description="Beta(a, b): P(an error is honest)")
    integrity_beta: Positive = 2.0
    risk_aversion_mean: NonNegative = 1.0
    risk_aversion_sd: NonNegative = 0.3
    young_age_max: int = Field(35, ge=16, le=70)
    county_young_age_max: int = Field(
        40, ge=16, le=70,
        description="young cadres at county level (处级): up to this age (the usual 40 for "
                    "县处级 young cadres; seed 004's 39 young cadres into banner leadership)")
    # PYRAMID only: competence Normal(mean, sd) truncated to [min, max]
    competence_mean: float = 7.0
    competence_sd: Positive = 2.0
    competence_min: float = 1.0
    competence_max: float = 10.0
    dismissal_competence: float | None = Field(
        None, ge=-100, le=100,
        description="cadres whose ability is below this are dismissed each year (Pluchino et "
                    "al. 2010: competence below 4); None = no such rule")

    @model_validator(mode="after")
    def check_ages(self) -> Population:
        if self.age_min >= self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must be below age_max ({self.age_max})")
        if self.age_max >= self.retirement_age + 1:
            raise ValueError("age_max must not exceed retirement_age")
        return self


class Behaviour(_Block):
    """How cadres respond (uncertain parameters of the world; docs/model.md section 3).

    Calibration of the defaults (assumptions, with their ranges in docs/model.md section
    8, chosen so that the stylised facts of docs/model.md section 1.2 follow from the
    mechanisms; see
    ``tests/regression/test_stylised_facts.py``):

    - errors: ``error_base`` 0.01 + ``error_slope`` 0.05 x effort x difficulty gives
      about 1-8% of cadres with an error a year (2-4% disciplined under the old
      rules), not the double-digit discipline rates of larger slopes;
    - ``sanction_cost`` 5: being disciplined (a promotion block, a stigma) costs
      five times the value of a promotion, so at effort 1 in a town (difficulty
      1.3) the expected sanction cost of the marginal effort, 5 x 0.05 x 1.3 =
      0.33, is comparable to public-service motivation (0.3): without tolerance
      and without a merit link effort settles at about 0.2 (the reverse-punishment
      trap), with both near 0.86;
    - ``choice_noise`` 0.04: effort is the mean of a logit response with sd 0.2 around
      the optimum, so it never sits at 0 or 1 and stronger incentives keep raising it;
    - priors 0.5: only the first cadres of the spin-up hold them (the history's
      equilibrium forgets them); recruits take their colleagues' beliefs, and
      learning (``learning_rate`` 0.3 a year) takes everyone to what they see;
    - ``ability_depreciation`` 0.08: what selection and training add to ability
      fades over about 12 years, so a reform settles within about 20;
    - exits: ``exit_base_rate`` 0.005 x exp(1.5 x low morale), with waiting
      counted beyond ``patience_years`` 3, gives about 1-4% voluntary exits a
      year, concentrated among cadres passed over for years: so promotions
      retain people, and tilting them to the frontline keeps frontline cadres.
    """

    enabled: bool = Field(True, description="False: effort fixed at fixed_effort, no errors")
    fixed_effort: Share = 0.5
    inertia: Share = Field(0.3, description="share keeping last year's effort")
    effort_cost: Positive = Field(1.0, description="c in the quadratic cost c e^2 / 2")
    choice_noise: float = Field(
        0.04, ge=0, le=1,
        description="tau, logit choice noise of effort (utility units; 0 = exact clipped "
                    "optimum). Assumption, range 0.01-0.1: effort sd sqrt(tau / c) of "
                    "0.1-0.3 at an interior optimum")
    effort_return: NonNegative = Field(1.0, description="performance per unit effort x difficulty")
    performance_noise: NonNegative = 0.5
    promotion_value: NonNegative = Field(1.0, description="value of a promotion, utility units")
    promotion_horizon_years: Positive = Field(
        5.0, description="promotion value fades within it of retirement")
    sanction_cost: NonNegative = Field(5.0, description="utility loss of being disciplined")
    error_base: Share = Field(0.01, description="epsilon_0: errors with no effort")
    error_slope: Share = Field(0.05, description="epsilon_1: errors per unit effort x difficulty")
    detection: Share = Field(0.6, description="P(self-serving error detected)")
    honest_detection: Share = Field(1.0, description="P(honest error detected)")
    learning_rate: Share = Field(0.3, description="belief update speed per year")
    exit_base_rate: Share = Field(0.005, description="voluntary exit rate at neutral morale")
    exit_morale_slope: NonNegative = Field(
        1.5, description="exit rate multiplier per unit of low morale")
    transfer: float = Field(1.0, ge=0, le=1,
                            description="correlation of ability before and after promotion "
                                        "(1 = competence carries over, 0 = Peter hypothesis)")
    transfer_noise: NonNegative = Field(
        0.0, description="PYRAMID common sense: competence change U[-noise, noise] on promotion")
    experience_gain: NonNegative = Field(0.05, description="ability gained per frontline year")
    ability_depreciation: Share = Field(
        0.08, description="delta: ability reverts towards the recruits' mean at this rate a "
                          "year, a fresh shock keeping its spread (AR(1); assumption, range "
                          "0.02-0.15; cf. the decline of performance stability with time, "
                          "Sturman, Cheramie and Cashen 2005)")
    experience_years_max: Years = Field(
        5.0, description="frontline years that still add experience_gain (learning saturates)")
    prior_merit_link: Share = Field(
        0.5, description="initial perceived merit link of cadres and recruits (belief_merit)")
    prior_tolerance: Share = Field(
        0.5, description="initial perceived excuse rate of honest errors (belief_tolerance)")
    prior_bonus_link: Share = Field(
        0.5, description="initial perceived bonus link (belief_bonus)")
    prior_sd: float = Field(0.1, ge=0, le=1, description="spread of the initial beliefs")
    patience_years: Positive = Field(
        3.0, description="years in grade before waiting lowers morale (voluntary exit)")
    premium_morale: NonNegative = Field(
        3.0, description="morale per unit of frontline income premium (0.2 premium -> 0.6)")
    hardship_morale: NonNegative = Field(
        1.0, description="low morale per unit of unit hardship above 1")
    discipline_morale: NonNegative = Field(
        0.5, description="low morale while stigmatised or under a promotion block")
    exit_age_max: int = Field(45, ge=16, le=80, description="no voluntary exit above this age")


# --------------------------------------------------------------------------- policy levers


class PromotionRule(StrEnum):
    SENIORITY = "seniority"  # 论资排辈: years in grade and age
    MERIT = "merit"  # 实绩: the decayed merit score
    BLEND = "blend"  # blend_weight * merit + (1 - blend_weight) * seniority (standardised)
    BEST = "best"  # PYRAMID: highest competence
    WORST = "worst"  # PYRAMID: lowest competence
    RANDOM = "random"  # uniformly random
    ALTERNATE = "alternate"  # PYRAMID: best with probability alternate_p, else worst


class Mobility(StrEnum):
    UNIFIED = "unified"  # 区镇一体化, 干部打通使用
    WITHIN_SYSTEM = "within_system"  # organs to organs, frontline to frontline
    WITHIN_UNIT = "within_unit"


class Promotion(_Block):
    """Who gets posts and rank slots (the yearly allocation; docs/model.md section 7.9)."""

    rule: PromotionRule = PromotionRule.SENIORITY
    blend_weight: Share = 0.5
    seniority_age_weight: NonNegative = Field(
        0.2, description="论资排辈 index = years in grade + this x age (both in years)")
    alternate_p: Share = 0.5
    min_years_post: dict[Level, Years] = Field(default_factory=lambda: {1: 2.0, 2: 2.0, 3: 2.0})
    min_years_rank: dict[Level, Years] = Field(
        default_factory=lambda: {1: 2.0, 2: 2.0, 3: 3.0, 4: 3.0, 5: 3.0})
    min_years_relief: Years = Field(0.0, description="竞岗: years off for top performers")
    relief_top_share: Share = 0.0
    max_age: int = Field(200, ge=0, le=200, description="age limit for posts")
    mobility: Mobility = Mobility.WITHIN_SYSTEM
    rank_only: bool = Field(True, description="职务职级并行: rank promotions without posts exist")
    frontline_weight: Positive = 1.0
    hardship_exponent: NonNegative = 0.0
    young_share_min: Share = 0.0
    county_young_members_min: int = Field(
        0, ge=0, le=1000,
        description="young cadres (age <= population.county_young_age_max) the county-level "
                    "(处级, post level >= 3) leadership must hold after each year's moves; "
                    "when short, that year's county appointments go to young cadres first "
                    "(soft: met when eligible young candidates exist)")
    county_term_years: int = Field(
        5, ge=1, le=20,
        description="term of a county leadership team (五年一届): a cadre appointed young to a "
                    "county post counts toward county_young_members_min for this many years")
    frontline_share_min: Share = 0.0
    max_outflow_per_unit: int = Field(-1, ge=-1)
    vacancy_chain: bool = Field(
        False, description="fill the posts left by this year's promotions in the same year, "
                           "top-down, from the level below (a ladder: the Peter pyramid)")


class Tolerance(_Block):
    """容错纠错: excusing honest errors."""

    excuse_rate: Share = Field(0.0, description="P(excused | classified honest)")
    discrimination: Share = Field(0.5, description="三个区分开来: P(classified correctly)")
    publicity: NonNegative = Field(0.0, description="容错正名 publicised cases: learning speed-up")


class Discipline(_Block):
    """Sanctions for errors not excused, and what follows them (后半篇文章)."""

    severity_honest: list[Share] = Field(
        default_factory=lambda: [0.6, 0.3, 0.1, 0.0],
        description="P(warning, demerit, major demerit, demotion) for a punished honest error")
    severity_self_serving: list[Share] = Field(
        default_factory=lambda: [0.2, 0.3, 0.3, 0.2],
        description="P(warning, demerit, major demerit, demotion) for a self-serving error")
    block_months: list[int] = Field(default_factory=lambda: [6, 12, 18, 24])
    dismissal_share: Share = Field(
        0.2, description="P(dismissal | self-serving error punished by demotion)")
    rehabilitation: bool = Field(False, description="no stigma after the impact period")
    stigma: NonNegative = Field(
        0.5, description="promotion-score penalty while stigmatised (sd units)")

    @model_validator(mode="after")
    def check_severities(self) -> Discipline:
        for name in ("severity_honest", "severity_self_serving"):
            values = getattr(self, name)
            if len(values) != 4 or abs(sum(values) - 1) > 1e-6:
                raise ValueError(f"{name} must be 4 shares summing to 1, got {values}")
        if len(self.block_months) != 4:
            raise ValueError("block_months must have 4 entries (warning .. demotion)")
        return self


class Assessment(_Block):
    """Annual assessment (年度考核) and the merit score."""

    observation_noise: NonNegative = 1.0
    frontline_noise_factor: float = Field(
        1.0, gt=0, le=5, description="一线考察: noise multiplier in frontline units")
    excellent_share: Share = Field(0.15, description="优秀 share cap")
    merit_memory: Share = Field(0.6, description="weight of past merit in the decayed mean")


class Bonus(_Block):
    top_share: Share = 0.0
    amount: NonNegative = Field(0.0, description="万元 per rewarded cadre")
    utility_per_amount: NonNegative = Field(0.2, description="utility of 1 万元 of bonus")


class Subsidy(_Block):
    frontline_premium: Share = Field(
        0.0, description="income premium of frontline over organ staff")
    base_income: Positive = Field(12.0, description="万元 a year, organ staff")


class UnitPressure(_Block):
    """Public ranking, yellow cards, snail seat (蜗牛席) for the bottom units."""

    bottom_units: Count = 0
    pressure: NonNegative = Field(
        0.3, description="added marginal value of effort in flagged units")


class DemotionRanking(StrEnum):
    """Whom a post holder is ranked against for 能下."""

    UNIT = "unit"  # the cadres of the own unit, for consecutive years
    COMPARABLE = "comparable"  # the holders of posts of the same level in units of the same kind


class Demotion(_Block):
    """能下 (seeds 002, 003): post holders judged ineffective lose the post.

    ``ranking = "unit"``: post holders in the bottom ``bottom_share`` of their unit
    for ``consecutive_years`` lose the post. ``ranking = "comparable"``: each year the
    lowest ``bottom_share`` (stochastically rounded) of the holders of posts of one
    level in units of one kind, by assessment score, are adjusted (seed 003: "区里进行
    考核排名" ... "因工作不力交流9人、免职5人"); of them ``transfer_share`` are moved to
    another unit without the post (交流) and the others removed from the post (免职).
    """

    bottom_share: Share = 0.0
    consecutive_years: int = Field(2, ge=1, le=10)
    ranking: DemotionRanking = DemotionRanking.UNIT
    transfer_share: Share = Field(
        0.0, description="comparable ranking: P(交流 to another unit | adjusted), else 免职")

    @model_validator(mode="after")
    def check_ranking(self) -> Demotion:
        if self.ranking is DemotionRanking.COMPARABLE and self.consecutive_years != 1:
            raise ValueError("consecutive_years must be 1 with ranking = 'comparable' (one "
                             "year's ranking decides, as in seed 003)")
        return self


class Recall(_Block):
    """召回制: chronic low performers recalled for retraining."""

    bottom_share: Share = 0.0
    consecutive_years: int = Field(3, ge=1, le=10)
    retraining_gain: NonNegative = Field(0.2, description="ability gained by retraining")


class Rotation(_Block):
    """交流任职: organ <-> frontline moves each year."""

    share: Share = 0.0


class Establishment(_Block):
    """核增编制: added frontline establishment.

    With ``reserved_for_staff`` the added slots are filled by hiring long-serving
    frontline staff (seed 001: "核增的编制优先用于长期工作在镇街一线的骨干人员招聘";
    "2019年5名优秀村书记被招聘为镇街事业编制人员"), not fresh recruits: hires who
    served ``staff_years_min`` to twice that in a town before, with that
    frontline experience (``sim.phases.establishment``).
    """

    added_frontline: Count = 0
    reserved_for_staff: bool = Field(
        False, description="added slots go to long-serving frontline staff (骨干人员)")
    staff_years_min: Years = Field(
        5.0, description="years a hired staff member served in a town before, at least")


class Dispatch(_Block):
    """派往: one-way dispatch of organ cadres to the frontline (seed 004: "先后将118名干部派往
    乡村振兴主战场、项目建设主阵地、招商引资最前沿、改革发展第一线"), unlike rotation
    (交流任职, a swap). Each year ``share`` of the organ cadres without a post (the
    young ones only with ``young_only``) are sent to frontline units with free
    establishment slots (``sim.phases.dispatch``)."""

    share: Share = Field(0.0, description="share of eligible organ cadres dispatched a year")
    young_only: bool = Field(False, description="only cadres up to young_age_max")


class Reserve(_Block):
    """后备干部库: the reserve pool as a stage posts are filled from (seed 003: "80余名干部
    进入考察视野 ... 39名干部被列入区管正职或副职后备干部"; seed 002: 干部培养储备库).

    Each year the top ``consider_share`` of the cadres outside the reserve and
    without a level-2 post, by assessment score, enter the inspectors' view
    (进入考察视野); an on-site inspection (实地查看) observes their performance again
    with noise sd ``inspection_noise`` and lists (列入后备) those whose inspection
    score also clears the same threshold. A member leaves the reserve when promoted
    to a post, or with probability ``1 / term_years`` a year (动态调整). With
    ``posts_from_reserve`` leadership posts are filled from the list first; others are
    admitted only where the list is short (``sim.phases.reserve.barred_from_posts``).
    """

    consider_share: Share = Field(0.0, description="share entering the inspectors' view a year")
    inspection_noise: NonNegative = Field(
        1.0, description="sd of the on-site inspection's observation of performance")
    term_years: float = Field(3.0, ge=1, le=20, description="mean years on the reserve list")
    posts_from_reserve: bool = Field(
        False, description="leadership posts are filled from the reserve first")


class Policy(_Block):
    promotion: Promotion = Field(default_factory=Promotion)
    tolerance: Tolerance = Field(default_factory=Tolerance)
    discipline: Discipline = Field(default_factory=Discipline)
    assessment: Assessment = Field(default_factory=Assessment)
    bonus: Bonus = Field(default_factory=Bonus)
    subsidy: Subsidy = Field(default_factory=Subsidy)
    unit_pressure: UnitPressure = Field(default_factory=UnitPressure)
    demotion: Demotion = Field(default_factory=Demotion)
    recall: Recall = Field(default_factory=Recall)
    rotation: Rotation = Field(default_factory=Rotation)
    establishment: Establishment = Field(default_factory=Establishment)
    dispatch: Dispatch = Field(default_factory=Dispatch)
    reserve: Reserve = Field(default_factory=Reserve)


class History(_Block):
    """The organisation's past: the rules it ran under before year 1 (the spin-up).

    A county run starts from the stationary state of these rules (``sim.spinup``):
    the population is drawn, then run under ``policy`` until its structure, beliefs
    and effort stop drifting; the scenario's own policy takes effect in year 1, so a
    reform's series is its transition path from the old equilibrium.
    """

    policy: Policy = Field(
        default_factory=Policy,
        description="the old rules; default: baseline's (论资排辈, no 容错, no bonus)")
    years_min: int = Field(
        15, ge=0, le=1000,
        description="spin-up years always run (beliefs settle in about ten, ranks and "
                    "experience start near their stationary mix); years_max 0 = no spin-up")
    years_max: int = Field(
        100, ge=0, le=1000, description="spin-up years at most (stop there if not converged)")
    window_years: int = Field(
        5, ge=1, le=100,
        description="convergence check: means over the last two windows of this length")
    tolerance: float = Field(
        0.02, gt=0, le=1,
        description="converged when the window means of effort and beliefs differ by at "
                    "most this, of ability by this many ability sd, of age by ten times "
                    "this in years and of rank by this in ranks")

    @model_validator(mode="after")
    def check_years(self) -> History:
        if self.years_min > self.years_max:
            raise ValueError(f"years_min ({self.years_min}) must not exceed years_max "
                             f"({self.years_max})")
        return self


class Scenario(_Block):
    """One world plus one policy package, run for ``years`` from ``seed``.

    Make a variant with :meth:`with_values` (validated), never with
    ``model_copy(update=...)`` (not validated).
    """

    def with_values(self, values: Mapping[str, Any]) -> Scenario:
        """A validated copy with the fields at the dotted paths set to new values.

        The one documented route for changing levers (or uncertainties) from
        Python; ``youwei run --set PATH=VALUE`` does the same from the command line.

        Parameters
        ----------
        values : mapping of str to value
            Dotted paths as ``youwei levers`` lists them, e.g.
            ``{"policy.tolerance.excuse_rate": 0.6, "years": 20,
            "organisation.frontline.posts.1": 3}``. A table (dict) value sets the
            keys it names and keeps the others.

        Returns
        -------
        Scenario
            A new, validated scenario; ``self`` is unchanged.

        Raises
        ------
        ValueError
            A path that leads nowhere in the schema, two paths naming the same
            field, or a value out of its range (a pydantic ``ValidationError``,
            which is a ``ValueError``, naming the field).

        Examples
        --------
        >>> tolerant = Scenario().with_values({"policy.tolerance.excuse_rate": 0.6})
        >>> tolerant.policy.tolerance.excuse_rate
        0.6
        """
        data = self.model_dump(mode="json")
        seen: dict[tuple[str, ...], str] = {}
        for path, value in values.items():
            parts = dotted_parts(path)
            if parts in seen:
                raise ValueError(f"{path!r} sets the same value as {seen[parts]!r}")
            seen[parts] = path
            set_dotted(data, parts, value)
        return type(self).model_validate(data)

    name: str = Field("unnamed", pattern=r"^[a-z0-9_]+$")
    description: str = ""
    description_zh: str = Field("", description="the description in Chinese, for reports in 中文")
    years: int = Field(15, ge=1, le=10_000)
    seed: int = Field(1, ge=0, le=MAX_SEED)
    organisation: Organisation = Field(default_factory=Organisation)
    population: Population = Field(default_factory=Population)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    policy: Policy = Field(default_factory=Policy)
    history: History = Field(default_factory=History)


def dotted_parts(path: str) -> tuple[str, ...]:
    """``"organisation.frontline.posts.01"`` -> ``("organisation", "frontline", "posts", "1")``.

    Integer parts are written canonically, so two spellings of one table key
    (``posts.1`` and ``posts.01``) are the same path.

    Raises
    ------
    ValueError
        An empty path or an empty part (``"policy..x"``).
    """
    parts = str(path).strip().split(".")
    if not all(part.strip() for part in parts):
        raise ValueError(f"expected a dotted path such as 'policy.tolerance.excuse_rate', "
                         f"got {path!r}")
    return tuple(str(int(part)) if part.strip().isdigit() else part.strip() for part in parts)


def set_dotted(table: dict, parts: tuple[str, ...], value: Any) -> None:
    """Set ``table[parts[0]][parts[1]]...`` to ``value``, creating tables on the way.

    A mapping ``value`` is merged into a table already there. Array items are not
    addressed (set the whole array).

    Raises
    ------
    ValueError
        A part of the path is a value that is not a table.
    """
    node = table
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            where = ".".join(parts[: depth + 1])
            raise ValueError(f"{where!r} is a value, not a table: set it whole "
                             f"(e.g. {where}=[...])")
        node = child
    last = parts[-1]
    if isinstance(value, Mapping) and isinstance(node.get(last), dict):
        node[last] = _merged(node[last], value)
    else:
        node[last] = value


def _merged(base: dict, override: Mapping) -> dict:
    merged = dict(base)
    for key, value in override.items():
        key = str(key)
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged

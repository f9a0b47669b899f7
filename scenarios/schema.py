"""What a scenario is: a validated, frozen description of one world and one policy package.

A scenario separates what the world does (``organisation``, ``population``,
``behaviour``: uncertainties a researcher sweeps) from what the government
chooses (the policy blocks under ``policy``: levers a planner compares), as
EMA Workbench does. Every block is a frozen pydantic model with
``extra="forbid"``, so an unknown key is an error naming it, and every number
declares its range on the field. Variants are made with ``model_copy(update=...)``
or a TOML ``extends``; nothing is mutated.

Units: money in 10,000 yuan a year (万元); time in years; shares in [0, 1];
rates per year. Effort is in [0, 1]. Ability, performance and scores are on a
standardised scale (organisation mean about 0, sd about 1) unless the
organisation is a Peter-principle pyramid (competence in [1, 10]).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0, le=1)]
Years = Annotated[float, Field(ge=0, le=100)]
Positive = Annotated[float, Field(gt=0, le=1e6)]
NonNegative = Annotated[float, Field(ge=0, le=1e6)]
Level = Annotated[int, Field(ge=1, le=20)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


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
    # PYRAMID only: competence Normal(mean, sd) truncated to [min, max]
    competence_mean: float = 7.0
    competence_sd: Positive = 2.0
    competence_min: float = 1.0
    competence_max: float = 10.0
    dismissal_competence: float = Field(
        4.0, ge=0, le=100, description="PYRAMID: members below this competence are dismissed")

    @model_validator(mode="after")
    def check_ages(self) -> Population:
        if self.age_min >= self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must be below age_max ({self.age_max})")
        if self.age_max >= self.retirement_age + 1:
            raise ValueError("age_max must not exceed retirement_age")
        return self


class Behaviour(_Block):
    """How cadres respond (uncertain parameters of the world; MODEL.md section 2).

    Calibration of the defaults (placeholders, chosen so that the stylised facts
    of MODEL.md section 6 follow from the mechanisms; see
    ``tests/regression/test_stylised_facts.py``):

    - errors: ``error_base`` 0.01 + ``error_slope`` 0.05 x effort x difficulty gives
      about 1-8% of cadres with an error a year (2-4% disciplined under the old
      rules), not the double-digit discipline rates of larger slopes;
    - ``sanction_cost`` 5: being disciplined (a promotion block, a stigma) costs
      five times the value of a promotion, so at effort 1 in a town (difficulty
      1.3) the expected sanction cost of the marginal effort, 5 x 0.05 x 1.3 =
      0.33, is comparable to public-service motivation (0.3): without tolerance
      and without a merit link effort falls to about 0.2 (the reverse-punishment
      trap), with both it stays near 0.9;
    - priors 0.5: newcomers do not yet know whether merit counts or errors are
      forgiven; learning (``learning_rate`` 0.3 a year) takes them to what they see;
    - exits: ``exit_base_rate`` 0.005 x exp(1.5 x low morale), with waiting
      counted beyond ``patience_years`` 3, gives about 1-4% voluntary exits a
      year, concentrated among cadres passed over for years: so promotions
      retain people, and tilting them to the frontline keeps frontline cadres.
    """

    enabled: bool = Field(True, description="False: effort fixed at fixed_effort, no errors")
    fixed_effort: Share = 0.5
    inertia: Share = Field(0.3, description="share keeping last year's effort")
    effort_cost: Positive = Field(1.0, description="c in the quadratic cost c e^2 / 2")
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
    """Who gets posts and rank slots (the yearly allocation; MODEL.md section 3)."""

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
    frontline_share_min: Share = 0.0
    max_outflow_per_unit: int = Field(-1, ge=-1)


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


class Demotion(_Block):
    """能下: post holders in the bottom share for consecutive years lose the post."""

    bottom_share: Share = 0.0
    consecutive_years: int = Field(2, ge=1, le=10)


class Recall(_Block):
    """召回制: chronic low performers recalled for retraining."""

    bottom_share: Share = 0.0
    consecutive_years: int = Field(3, ge=1, le=10)
    retraining_gain: NonNegative = Field(0.2, description="ability gained by retraining")


class Rotation(_Block):
    """交流任职: organ <-> frontline moves each year."""

    share: Share = 0.0


class Establishment(_Block):
    """核增编制: added frontline establishment."""

    added_frontline: Count = 0


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


class Scenario(_Block):
    """One world plus one policy package, run for ``years`` from ``seed``."""

    name: str = Field("unnamed", pattern=r"^[a-z0-9_]+$")
    description: str = ""
    years: int = Field(15, ge=1, le=10_000)
    seed: int = Field(1, ge=0)
    organisation: Organisation = Field(default_factory=Organisation)
    population: Population = Field(default_factory=Population)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    policy: Policy = Field(default_factory=Policy)

"""Scenario text shared by the tests: a small county that runs in milliseconds."""

SMALL_COUNTY = """\
extends = "baseline.toml"
name = "small_county"
years = 3
seed = 5

[organisation.organs]
count = 2
establishment = 10

[organisation.frontline]
count = 3
establishment = 10

[organisation.key_projects]
count = 1
establishment = 8
"""
"""58 cadres in 6 units, extending the bundled baseline; write it next to files that
``extends = "baseline.toml"`` resolves from the library."""


def county(organs: tuple[int, int], frontline: tuple[int, int], key_projects: tuple[int, int],
           years: int = 15, **behaviour):
    """The default scenario with a small organisation: ``(count, establishment)`` per group.

    Frontline units have difficulty 1.3 and hardship 1.2, key projects 1.6 and 1.5
    with one post at each of levels 1 and 2; ``behaviour`` overrides that block.
    """
    from scenarios.schema import Scenario, UnitGroup

    s = Scenario(years=years)
    org = s.organisation.model_copy(update=dict(
        organs=UnitGroup(count=organs[0], establishment=organs[1]),
        frontline=UnitGroup(count=frontline[0], establishment=frontline[1], difficulty=1.3,
                            hardship=1.2),
        key_projects=UnitGroup(count=key_projects[0], establishment=key_projects[1],
                               difficulty=1.6, hardship=1.5, posts={1: 1, 2: 1}),
    ))
    return s.model_copy(update=dict(organisation=org,
                                    behaviour=s.behaviour.model_copy(update=behaviour)))


def with_policy(s, **blocks):
    """``s`` with the named policy blocks updated (``promotion=dict(rule=...)``)."""
    updates = {k: getattr(s.policy, k).model_copy(update=v) for k, v in blocks.items()}
    return s.model_copy(update=dict(policy=s.policy.model_copy(update=updates)))


TINY_COUNTY = (
    'extends = "baseline.toml"\nname = "tiny"\n'
    "[organisation.organs]\ncount = 2\nestablishment = 10\n"
    "[organisation.frontline]\ncount = 2\nestablishment = 10\n"
    "[organisation.key_projects]\ncount = 1\nestablishment = 6\n"
    "[history]\nyears_min = 0\nyears_max = 0\n")
"""A 46-cadre county without a spin-up: for tests of the command line, not of the model."""


def write(folder, name: str, text: str):
    """``text`` written as ``folder/name`` (UTF-8, parent folders made); its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tiny_scenario(folder):
    """``TINY_COUNTY`` written as ``folder/tiny.toml``; its path."""
    return write(folder, "tiny.toml", TINY_COUNTY)

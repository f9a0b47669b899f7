"""Test-wide settings: hypothesis runs are deterministic (same examples every run)."""

from hypothesis import settings

settings.register_profile(
    "youwei",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
)
settings.load_profile("youwei")

"""Hypothesis profiles for the sync property tests.

``make test`` runs the quick default profile. Set
``GRIDWALK_HYPOTHESIS_PROFILE=thorough`` for a long run with many more examples.
``make mutation`` runs the tests once per mutant with ``mutation``: fewer examples, and the
same ones every run, so a mutant's verdict does not depend on a lucky draw.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("gridwalk-quick", max_examples=100, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("mutation", max_examples=30, deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("GRIDWALK_HYPOTHESIS_PROFILE", "gridwalk-quick"))

"""Hypothesis profiles for the hardening suite.

`hardening` (the default) keeps CI fast and reproducible: 200 examples per property and parameter set,
drawn from a fixed seed (`derandomize`: every run tries the same programs), no deadline (a libcst parse
of a generated module can take a few milliseconds on a busy runner), no example database (nothing is
written into the checkout). `HYPOTHESIS_PROFILE=soak` runs 5000 random examples per property, to hunt
for new bugs; a failure prints the blob that reproduces it (`@reproduce_failure`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Failure patches and caches go to the temporary folder, never into the checkout.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "llama-stack-migrate-hypothesis"))

_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("hardening", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("soak", max_examples=5000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hardening"))

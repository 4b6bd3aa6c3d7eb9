"""The Hypothesis settings of the lifecycle machines: a short CI run, a long one with ORDERCENTER_LONG_TESTS=1.

Profiles are applied per machine (`DOMAIN`, `SERVICE`) rather than loaded globally, so the rest of the
suite (Schemathesis, other property tests) keeps its own settings. No example database is kept: under
pytest-xdist it would be a file shared between workers; a failure prints its reproduction blob instead.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.reliability import LONG

_COMMON = settings(deadline=None, derandomize=False, print_blob=True, database=None)

settings.register_profile("lifecycles-ci", _COMMON, max_examples=100, stateful_step_count=30)
settings.register_profile("lifecycles-long", _COMMON, max_examples=2_000, stateful_step_count=60)
# Through the services and a real database each step costs milliseconds: fewer, shorter runs.
settings.register_profile("lifecycles-service-ci", _COMMON, max_examples=10, stateful_step_count=15,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("lifecycles-service-long", _COMMON, max_examples=200, stateful_step_count=40,
                          suppress_health_check=[HealthCheck.too_slow])

DOMAIN = settings.get_profile("lifecycles-long" if LONG else "lifecycles-ci")
SERVICE = settings.get_profile("lifecycles-service-long" if LONG else "lifecycles-service-ci")
# Through the database, a long run (or shrinking a failure found in CI) takes minutes: past the suite's
# 120-second timeout per test, which would hide the failure behind the timeout.
LONG_TIMEOUT = pytest.mark.timeout(3_600 if LONG else 600)

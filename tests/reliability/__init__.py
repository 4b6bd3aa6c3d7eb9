"""Faults, load, bad input and isolation: the promises of docs/reliability.md as tests.

Each runs a short mode in CI; `ORDERCENTER_LONG_TESTS=1` runs the long one (more load, examples, kills).
"""

import os

LONG = os.environ.get("ORDERCENTER_LONG_TESTS") == "1"

"""`python -m ordercenter` is the `ordercenter` command."""

import sys

from ordercenter.entrypoints.cli import main

sys.exit(main())

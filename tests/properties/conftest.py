"""Registers the lifecycle machines' Hypothesis profiles (see profiles.py) when this folder is collected."""

from tests.properties import profiles  # noqa: F401  (registration happens on import)

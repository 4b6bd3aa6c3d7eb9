"""Order Center: the back office of a dropshipping store."""

__version__ = "0.1.0"

"""Benchmarks of Order Center against the sandbox store over real HTTP; see README.md."""

"""I/O: the ports and their real implementations."""

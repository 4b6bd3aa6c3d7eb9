"""Business rules and entities. No I/O: no session, HTTP, clock or settings reads."""

"""Rule-based state machines over the lifecycles (Hypothesis)."""

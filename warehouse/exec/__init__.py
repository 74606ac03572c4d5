"""warehouse/exec."""

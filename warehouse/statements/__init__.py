"""warehouse/statements."""

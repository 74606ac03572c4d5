"""warehouse/plan."""

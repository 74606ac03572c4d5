"""warehouse/functions."""

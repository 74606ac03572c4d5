"""warehouse/sql."""

"""warehouse/catalog."""

"""SQL front-end tests."""

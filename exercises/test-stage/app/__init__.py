"""A tiny HTTP service with one function worth testing."""

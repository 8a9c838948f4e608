"""A tiny HTTP API (Bottle on the standard library's WSGI server)."""

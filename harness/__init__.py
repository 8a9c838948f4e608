"""Test harness of the verified guide to Docker multi-stage builds."""

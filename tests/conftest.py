"""Fixtures come from core.testing, a pytest plugin registered by setup.py (entry point pytest11)."""

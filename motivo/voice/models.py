"""Calls and callback requests."""

"""Helpers for the template's own tests, demo and benchmark (not shipped to generated projects)."""

"""Clinic mode: passwords, login sessions and who may see whose diary."""

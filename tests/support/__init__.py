"""Test support: an auth service and app wired for tests, throwaway databases (kept out of
the shipped package)."""

"""Loopback fakes of vendor APIs used by the tests (nothing here reaches the internet)."""

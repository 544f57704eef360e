"""Helpers shared by the test modules: generated signals and corpora (no test depends on external audio)."""

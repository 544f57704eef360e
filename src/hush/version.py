"""The package version (a module of its own, so that any layer can record it without importing ``hush``)."""

__version__ = "0.1.0"

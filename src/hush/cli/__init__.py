"""Command-line interface: ``hush <command>``."""

from hush.cli.main import main

__all__ = ["main"]

"""The command line: ``divertsim`` parses, calls :mod:`sim.api` and prints. Nothing below imports it."""

from sim.cli.app import app, console, main

__all__ = ["app", "console", "main"]

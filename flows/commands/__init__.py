"""CLI command modules. Each module defines `register(app)`; flows/cli.py registers them all."""

"""trendcast core: settings, warehouse access, the archive format, landing, sources, the simulator.

Nothing here imports `flows` or `python_ml`.
"""

__version__ = "0.1.0"

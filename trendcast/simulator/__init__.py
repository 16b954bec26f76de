"""A realistic social-platform simulator writing archive files (see docs/SIMULATOR.md).

from trendcast.simulator import SimConfig, simulate
manifest = simulate(SimConfig(start=..., hours=2, scale="tiny", seed=1), Path("out"))
"""

from trendcast.simulator.config import SCALES, Imperfections, SimConfig
from trendcast.simulator.run import simulate

__all__ = ["SCALES", "Imperfections", "SimConfig", "simulate"]

"""Simulated Jinmin (金民工程) exports for a prefecture: see engine.simulate and MANIFEST.md."""

from .engine import SimulationConfig, SimulationResult, WrittenFile, frames_for_month, simulate

__all__ = ["SimulationConfig", "SimulationResult", "WrittenFile", "frames_for_month", "simulate"]

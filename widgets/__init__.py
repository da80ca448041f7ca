"""Jupyter widgets for llmopt (import package `llmopt.widgets`). State lives in traitlets;
the numbers come from llmopt, never from here."""

from .bench_view import BenchView
from .capacity_planner import CapacityPlanner
from .compression_view import CompressionView
from .cost_calculator import CostCalculator
from .router_explorer import RouterExplorer

__all__ = ["BenchView", "CapacityPlanner", "CompressionView", "CostCalculator", "RouterExplorer"]

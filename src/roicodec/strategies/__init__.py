"""Region strategies: how a codec is made to spend its bits by region (native, blend, prefilter,
uniform). See base.py for what a strategy is and registry.py for the names."""

from .base import Encoding, Job, Strategy
from .registry import all_strategies, get_strategy, register

__all__ = ["Encoding", "Job", "Strategy", "all_strategies", "get_strategy", "register"]

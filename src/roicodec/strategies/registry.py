"""Strategy names -> strategies. Each strategy module registers itself on import; the registry
imports them all, so ``get_strategy("blend")`` works without knowing where blending lives."""

from __future__ import annotations

from ..names import Registry

#: The strategy modules, in the order help texts list them.
STRATEGY_MODULES = ("native", "blend", "prefilter", "uniform")
STRATEGIES = Registry("strategy", __package__, STRATEGY_MODULES)

register = STRATEGIES.register
all_strategies = STRATEGIES.all  # in STRATEGY_MODULES order, then any registered later
get_strategy = STRATEGIES.get  # by name or alias ("adaptive" is JPEG's native)

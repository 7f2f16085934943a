"""``roicodec codecs``: what each codec is, takes and needs, from the registries."""

from __future__ import annotations

import typer

from .app import command


@command("codecs")
def codecs_command() -> None:
    """List the codecs, their quality knob, their region strategies and options, and whether this machine has them."""
    from ..codecs.registry import all_codecs
    from ..strategies import get_strategy
    from ..strategies.prefilter import DEFAULT_SIGMA

    for codec in all_codecs():
        reason = codec.missing()
        state = "available" if reason is None else f"MISSING - {reason}"
        strategies = [get_strategy(name) for name in codec.strategies]
        typer.echo(f"{codec.name:9} {codec.label:14} {' '.join(codec.extensions):16} {state}")
        typer.echo(f"{'':9} quality 1-100: {codec.knob}")
        typer.echo(f"{'':9} strategies: " + ", ".join(
            s.name + (f" (or {'/'.join(s.aliases)})" if s.aliases else "")
            + (" (default)" if s.name == codec.default_strategy else "") for s in strategies))
        plans = {}
        for strategy in strategies:
            if strategy.uses_map:
                kind, high, low = strategy.plan(codec)
                plans.setdefault(f"{kind} {high:g}/{low:g}", []).append(strategy.name)
        shown = [f"{plan} ({', '.join(names)})" if len(plans) > 1 else plan for plan, names in plans.items()]
        typer.echo(f"{'':9} default plan: {'; '.join(shown)}")
        if "prefilter" in codec.strategies:
            sigma = DEFAULT_SIGMA if codec.prefilter_sigma is None else codec.prefilter_sigma
            typer.echo(f"{'':9} prefilter blur: {sigma:g} px")
        for option in codec.options:
            typer.echo(f"{'':9} -O {option.name}={option.default}: {option.help}")

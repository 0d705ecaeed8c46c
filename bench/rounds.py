"""Alternating rounds, shared by the benchmarks that time our stage beside a plain client on one shared server
(bench/rewrite.py, bench/seeds.py): the machine is shared and its speed drifts, so each round runs every side once,
and which side goes first alternates from round to round."""

from __future__ import annotations

from collections.abc import Callable


def alternate(sides: dict[str, Callable[[], tuple]], rounds: int,
              report: Callable[[int, dict[str, tuple]], None]) -> dict[str, list]:
    """Runs each of ``sides`` (a name and a function returning a tuple of numbers: counts, seconds) once per round,
    ``rounds`` times, the order reversed every other round. ``report(round, results)`` is called after each round
    with that round's tuples; returns every side's tuples summed element by element over the rounds."""
    names = list(sides)
    totals: dict[str, list] = {}
    for r in range(rounds):
        results = {name: sides[name]() for name in (names if r % 2 == 0 else names[::-1])}
        for name, result in results.items():
            totals[name] = [a + b for a, b in zip(totals.get(name, [0] * len(result)), result)]
        report(r + 1, results)
    return totals

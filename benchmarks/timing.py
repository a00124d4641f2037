"""Timing shared by the benchmarks: a measurement and its floor taken in turns, one call each.

This VM's speed swings by up to 30 % from one minute to the next (other tenants of the host): two
runs measured one after the other can see different machines, and their ratio says more about the
neighbours than about the code. Taken in turns, each call of the service is beside a call of the
floor made under the same conditions, so the ratio holds even when the absolute figures move.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def in_turns(calls: dict[str, Callable[[], Any]], count: int, warm_up: int = 20) -> dict[str, list[float]]:
    """Seconds of each of ``count`` calls of every function, called in turns (a, b, a, b...)."""
    for _ in range(warm_up):
        for call in calls.values():
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(count):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    return times


def percentile(seconds: list[float], share: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

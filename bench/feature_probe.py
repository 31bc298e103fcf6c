"""The instruments of `make bench-features` (bench/features.py): a sampling profiler on the process's CPU clock, a
SQL listener, and a Jinja loader that knocks a feature's partials out. Each charges by bench/feature_map.py.

Why sampling and not cProfile: cProfile keeps each function's own time and its direct callers, not the stack, so
the time spent in Jinja's runtime, MarkupSafe, Babel or SQLAlchemy under a partial cannot be given to that
partial without guessing; and its cost per call (it roughly doubles a page here) lands on the parts that make many
small calls. A SIGPROF timer fires every few ms of this process's CPU time (the kernel's tick: ~4 ms here);
each sample walks the interrupted stack and is charged to its innermost app frame. Its cost is per sample, not
per call, and is spent in the bench's own frames (charged to `harness`).
"""

from __future__ import annotations

import cProfile
import pstats
import signal
import sys
from collections import Counter
from functools import cache

from jinja2 import BaseLoader, ChoiceLoader, TemplateNotFound
from markupsafe import escape

from tools.harness import ROOT

from .feature_map import CODE, FEATURES, TRANSPARENT, functions_of, owner, part_of

PREFIX = str(ROOT) + "/"


@cache
def _where(filename: str, function: str) -> tuple[str, str]:
    """(path relative to the checkout, function name): "" for a file outside it."""
    return (filename[len(PREFIX) :] if filename.startswith(PREFIX) else "", function)


def stack_of(frame) -> list[tuple[str, str]]:
    """(path, function) of `frame` and its callers, innermost first."""
    stack = []
    while frame is not None:
        code = frame.f_code
        stack.append(_where(code.co_filename, code.co_name))
        frame = frame.f_back
    return stack


class Sampler:
    """Samples charged to parts, and per part the samples inside any of its partials (inclusive time)."""

    def __init__(self, interval: float = 0.001):
        self.interval = interval
        self.charged: Counter[str] = Counter()
        self.inside: Counter[str] = Counter()
        self.files: Counter[tuple[str, str]] = Counter()
        self.inside_code: Counter[str] = Counter()
        self._code = {part: functions_of(part) for part in FEATURES}

    def _sample(self, signum, frame) -> None:
        stack = stack_of(frame)
        part, path = owner(stack)
        self.charged[part] += 1
        self.files[(part, path)] += 1
        for part in {part_of(path) for path, _ in stack if path.startswith("partials/")}:
            self.inside[part] += 1
        for part, functions in self._code.items():
            if not functions.isdisjoint(stack):
                self.inside_code[part] += 1

    def __enter__(self) -> Sampler:
        self._previous = signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)


class Statements:
    """Every SQL statement the engine runs, charged to the innermost app frame that issued it."""

    def __init__(self):
        self.charged: Counter[str] = Counter()

    def __call__(self, *args) -> None:
        self.charged[owner(stack_of(sys._getframe(1)))[0]] += 1


class KnockOut(BaseLoader):
    """Answers each of `names` with an empty template; any other name goes on to the next loader."""

    def __init__(self, names):
        self.names = frozenset(names)

    def get_source(self, environment, template):
        if template in self.names:
            return "", None, lambda: True
        raise TemplateNotFound(template)


def knocked_out(loader, names) -> ChoiceLoader:
    """`loader` with `names` emptied. Jinja caches templates per loader object, so switching an environment's
    loader between this and the original one recompiles nothing."""
    return ChoiceLoader([KnockOut(names), loader])


def _never(*args) -> bool:
    return False


def code_knocked_out(feature: str) -> tuple[dict, dict]:
    """(globals, filters) to lay over a Jinja environment's for `feature`'s CODE knock-out, with a fragment store of
    its own (microblog/fragments.py): the app's keeps list items as made with that code in place."""
    from microblog.fragments import DEFAULT_SIZE, FragmentStore, cached_in

    spec = CODE.get(feature, {})
    overlay = {name: _never for name in spec.get("globals", ())} | {"cached": cached_in(FragmentStore(DEFAULT_SIZE))}
    return overlay, {name: escape for name in spec.get("filters", ())}


def own_time_by_part(render, times: int) -> dict[str, tuple[float, float]]:
    """The method the samples replace, for comparison (`--cprofile`): cProfile's own time of each function, grouped
    by the part of its file; helpers and libraries (Jinja's runtime, SQLAlchemy, builtins) stay apart, as cProfile
    keeps no stack to charge them to a caller. {group: (own ms per render, calls per render)}."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(times):
        render()
    profile.disable()
    groups: dict[str, list[float]] = {}
    for (filename, _, function), (_, calls, own, _, _) in pstats.Stats(profile).stats.items():
        path, _ = _where(filename, function)
        part = part_of(path, function)
        group = "helpers" if part == TRANSPARENT else "libraries" if part is None else part
        total = groups.setdefault(group, [0.0, 0.0])
        total[0] += own * 1000 / times
        total[1] += calls / times
    return {group: (round(ms, 3), round(calls)) for group, (ms, calls) in groups.items()}

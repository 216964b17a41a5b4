"""The global random generator behind factories, initializers and data shuffling.

Every random function also takes ``rng=`` (a ``np.random.Generator``), which wins
over the global one, so a student can make one experiment reproducible without
touching the others.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_global_rng = np.random.default_rng()

#: Set while ``tg.compile`` traces a step: called before any random draw, it raises (a replay
#: would repeat the same numbers).
refusal: Callable[[], None] | None = None


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator and return it.

    >>> import tinygrad_edu as tg
    >>> _ = tg.manual_seed(0); a = tg.randn(3)
    >>> _ = tg.manual_seed(0); b = tg.randn(3)
    >>> bool((a.numpy() == b.numpy()).all())
    True
    """
    global _global_rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _global_rng = np.random.default_rng(int(seed))
    return _global_rng


def get_rng(rng: np.random.Generator | None = None) -> np.random.Generator:
    """Return ``rng`` if given (checking its type), else the global generator."""
    if refusal is not None:
        refusal()
    if rng is None:
        return _global_rng
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng

"""Shared test setup: Hypothesis profiles.

``dev`` (the default) keeps the whole suite fast; ``thorough`` runs many more examples:
``pytest --hypothesis-profile=thorough`` or ``HYPOTHESIS_PROFILE=thorough pytest``.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Tests may change the default dtype or grad mode; put them back afterwards."""
    import tinygrad_edu as tg
    from tinygrad_edu.grad_mode import _grad_enabled
    from tinygrad_edu.nn.module import _module_calls

    yield
    tg.set_default_dtype(np.float64)
    _grad_enabled.set(True)
    _module_calls.set(())

"""Tools to look inside trained networks: ReLU elbows and dead units, curvature and sharpness.

Imported explicitly (``from tinygrad_edu import analysis``).

>>> from tinygrad_edu import analysis
>>> callable(analysis.relu_elbows) and callable(analysis.dead_relus) and callable(analysis.sharpness)
True
"""

from .curvature import hessian, hvp, sharpness
from .relu import Elbows, dead_relus, elbow_history, elbows_from_weights, relu_elbows, unit_contributions

__all__ = [
    "Elbows", "dead_relus", "elbow_history", "elbows_from_weights", "hessian", "hvp", "relu_elbows", "sharpness",
    "unit_contributions",
]

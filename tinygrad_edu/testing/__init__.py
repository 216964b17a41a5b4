"""Tools to test differentiable code: gradient checks and Hypothesis strategies.

``gradcheck``, ``gradgradcheck`` and ``numerical_grad`` need only NumPy. The
Hypothesis strategies live in ``tinygrad_edu.testing.strategies`` and are imported
from there, so this package works without Hypothesis installed (it is the
``testing`` extra: ``pip install tinygrad_edu[testing]``).

>>> import tinygrad_edu as tg
>>> from tinygrad_edu.testing import gradcheck
>>> gradcheck(lambda x: x.exp().sum(), [tg.Tensor([0.1, 0.2], requires_grad=True)])
True
"""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_grad"]


def __getattr__(name: str):
    # ``testing.strategies`` after ``from tinygrad_edu import testing``: imported on first use,
    # so Hypothesis loads only when a strategy is wanted.
    if name == "strategies":
        import importlib

        return importlib.import_module(".strategies", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

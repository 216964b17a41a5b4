"""Learning-rate schedules with PyTorch's semantics (``torch.optim.lr_scheduler``).

Constructing a scheduler records each group's starting rate as ``group["initial_lr"]``
and performs the initial step (``last_epoch`` becomes 0). Each ``.step()`` then
advances ``last_epoch`` by one and writes the new rate into ``group["lr"]``. Call it
after ``optimizer.step()``, once per epoch or once per iteration, as you choose
(``ReduceLROnPlateau.step(metric)`` takes the watched metric).

>>> import tinygrad_edu as tg
>>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
>>> sched = tg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
>>> for _ in range(2):
...     opt.step(); sched.step()
>>> sched.get_last_lr()
[0.25]
"""

from .base import LRScheduler
from .decay import CosineAnnealingLR, ExponentialLR, InverseTimeLR, LambdaLR, MultiStepLR, StepLR
from .linear import LinearLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .sequential import SequentialLR

__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "InverseTimeLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
    "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "StepLR",
]

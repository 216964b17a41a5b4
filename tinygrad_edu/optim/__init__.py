"""Optimizers, learning-rate schedules and gradient clipping, with PyTorch's semantics.

>>> import tinygrad_edu as tg
>>> w = tg.nn.Parameter([3.0])
>>> opt = tg.optim.SGD([w], lr=0.25)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()    # gradient 2w
...     opt.step()                  # w <- w - 0.25 * 2w = w / 2
>>> w.data
array([0.75])
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .clip import clip_grad_norm_
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "clip_grad_norm_", "lr_scheduler"]

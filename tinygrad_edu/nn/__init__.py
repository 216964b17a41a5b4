"""Neural-network building blocks: ``Module``, ``Parameter``, layers, losses, ``init``, ``functional``.

>>> import tinygrad_edu as tg
>>> model = tg.nn.MLP(1, [8], 1)
>>> loss = tg.nn.MSELoss()(model(tg.zeros(4, 1)), tg.zeros(4, 1))
>>> loss.backward()
>>> [name for name, p in model.named_parameters() if p.grad is not None]
['0.weight', '0.bias', '2.weight', '2.bias']
"""

from . import functional, init
from .layers import MLP, Identity, LeakyReLU, Linear, ModuleList, ReLU, Sequential, Sigmoid, Tanh
from .loss import CrossEntropyLoss, L1Loss, MSELoss
from .module import IncompatibleKeys, Module, Parameter, StateDictError

__all__ = [
    "CrossEntropyLoss", "Identity", "IncompatibleKeys", "L1Loss", "LeakyReLU", "Linear", "MLP", "MSELoss", "Module",
    "ModuleList", "Parameter", "ReLU", "Sequential", "Sigmoid", "StateDictError", "Tanh", "functional", "init",
]

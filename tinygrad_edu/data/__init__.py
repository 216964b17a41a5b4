"""Datasets and minibatch loading.

>>> import numpy as np, tinygrad_edu as tg
>>> ds = tg.data.TensorDataset(np.zeros((10, 3)), np.ones(10))
>>> loader = tg.data.DataLoader(ds, batch_size=4, shuffle=True, drop_last=True)
>>> [tuple(x.shape) for x, y in loader]
[(4, 3), (4, 3)]
"""

from .dataloader import DataLoader
from .dataset import Dataset, TensorDataset

__all__ = ["DataLoader", "Dataset", "TensorDataset"]

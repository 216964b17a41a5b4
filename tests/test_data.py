"""data: TensorDataset and DataLoader (order, permutations, replacement, lengths, determinism, errors)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, Dataset, TensorDataset


def make_dataset(n=10):
    x = np.arange(n, dtype=np.float64).reshape(n, 1) * np.array([[1.0, -1.0]])
    y = np.arange(n) * 10  # integer labels become floats holding whole numbers
    return TensorDataset(x, y)


def epoch_indices(loader):
    """The sample indices of one epoch, recovered from the label column (label = 10·index)."""
    return np.concatenate([(y.data / 10).astype(int) for _, y in loader])


def test_tensor_dataset_indexing_and_length():
    ds = make_dataset(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert isinstance(x, tg.Tensor) and x.tolist() == [3.0, -3.0] and y.item() == 30.0
    xs, ys = ds[np.array([4, 0])]
    assert ys.tolist() == [40.0, 0.0] and xs.shape == (2, 2)
    shared = tg.Tensor([1.0, 2.0], dtype=np.float32)
    ds = TensorDataset(shared)
    assert ds.arrays[0] is shared.data and ds[0][0].dtype == np.float32
    assert ds.tensors[0].tolist() == [1.0, 2.0]


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        TensorDataset(np.zeros(3), np.zeros((4, 2)))
    with pytest.raises(ValueError):
        TensorDataset()
    with pytest.raises(ValueError, match="0-dimensional"):
        TensorDataset(np.float64(1.0))
    with pytest.raises(TypeError):
        TensorDataset(np.array(["a", "b"]))


def test_sequential_batches_and_lengths():
    ds = make_dataset(10)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(y) for _, y in batches] == [4, 4, 2]
    assert isinstance(batches[0], tuple) and all(isinstance(t, tg.Tensor) for t in batches[0])
    np.testing.assert_array_equal(epoch_indices(loader), np.arange(10))
    dropping = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropping) == 2 and [len(y) for _, y in dropping] == [4, 4]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(ds, batch_size=20)) == 1 and len(DataLoader(ds, batch_size=20, drop_last=True)) == 0


def test_batches_are_copies_not_views_of_the_dataset():
    ds = make_dataset(4)
    x, _ = next(iter(DataLoader(ds, batch_size=2)))
    x.data[:] = 99.0
    assert ds.arrays[0][0, 0] == 0.0


def test_shuffle_gives_a_new_permutation_every_epoch_and_keeps_pairs_together():
    ds = make_dataset(50)
    loader = DataLoader(ds, batch_size=8, shuffle=True, rng=np.random.default_rng(0))
    epochs = [epoch_indices(loader) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(50))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    for x, y in loader:
        np.testing.assert_array_equal(x.data[:, 0] * 10, y.data)  # rows travel together
        np.testing.assert_array_equal(x.data[:, 1], -x.data[:, 0])


def test_replacement_repeats_samples_and_respects_num_samples():
    ds = make_dataset(20)
    loader = DataLoader(ds, batch_size=7, replacement=True, num_samples=1000, rng=np.random.default_rng(1))
    assert len(loader) == 143
    indices = epoch_indices(loader)
    assert len(indices) == 1000 and indices.min() >= 0 and indices.max() < 20
    assert len(np.unique(indices)) == 20  # every sample drawn at least once in 1000 draws
    counts = np.bincount(indices, minlength=20)
    assert counts.max() > 50  # some sample repeats more than its average share
    small = DataLoader(ds, batch_size=5, replacement=True, rng=np.random.default_rng(2))
    drawn = epoch_indices(small)
    assert len(drawn) == 20 and len(np.unique(drawn)) < 20  # with replacement an epoch repeats samples
    assert len(DataLoader(ds, batch_size=7, replacement=True, num_samples=20, drop_last=True)) == 2


def test_replacement_with_many_samples_is_chunked_but_complete():
    ds = make_dataset(3)
    loader = DataLoader(ds, batch_size=40, replacement=True, num_samples=200_000, rng=np.random.default_rng(0))
    sizes = [len(y) for _, y in loader]
    assert sum(sizes) == 200_000 and set(sizes) == {40} and len(sizes) == len(loader)


def test_shuffle_with_num_samples_chains_permutations():
    ds = make_dataset(4)
    order = epoch_indices(DataLoader(ds, batch_size=3, shuffle=True, num_samples=10, rng=np.random.default_rng(0)))
    assert len(order) == 10
    assert sorted(order[:4]) == [0, 1, 2, 3] and sorted(order[4:8]) == [0, 1, 2, 3]
    assert len(set(order[8:])) == 2


def test_determinism_under_manual_seed_and_rng():
    ds = make_dataset(30)
    tg.manual_seed(5)
    first = epoch_indices(DataLoader(ds, batch_size=4, shuffle=True))
    tg.manual_seed(5)
    second = epoch_indices(DataLoader(ds, batch_size=4, shuffle=True))
    np.testing.assert_array_equal(first, second)
    a = epoch_indices(DataLoader(ds, batch_size=4, replacement=True, rng=np.random.default_rng(9)))
    b = epoch_indices(DataLoader(ds, batch_size=4, replacement=True, rng=np.random.default_rng(9)))
    np.testing.assert_array_equal(a, b)


def test_generic_dataset_is_collated():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([float(i)]), float(i * i)

    x, y = next(iter(DataLoader(Squares(), batch_size=3)))
    assert x.shape == (3, 1) and y.tolist() == [0.0, 1.0, 4.0]
    single = list(DataLoader([1.0, 2.0, 3.0], batch_size=2))
    assert isinstance(single[0], tg.Tensor) and single[1].tolist() == [3.0]


@pytest.mark.parametrize("kwargs, error", [
    ({"batch_size": 0}, ValueError),
    ({"batch_size": -2}, ValueError),
    ({"batch_size": 2.5}, TypeError),
    ({"batch_size": True}, TypeError),
    ({"batch_size": None}, TypeError),
    ({"shuffle": "yes"}, TypeError),
    ({"num_samples": 0, "replacement": True}, ValueError),
    ({"num_samples": 5}, ValueError),
    ({"rng": 3}, TypeError),
])
def test_invalid_arguments(kwargs, error):
    with pytest.raises(error):
        DataLoader(make_dataset(4), **kwargs)


def test_invalid_datasets():
    with pytest.raises(TypeError, match="__len__"):
        DataLoader(42)
    with pytest.raises(ValueError, match="empty"):
        DataLoader(TensorDataset(np.zeros((0, 2))), replacement=True)
    assert list(DataLoader(TensorDataset(np.zeros((0, 2))), shuffle=True)) == []


# ---------------------------------------------------------------- audit: bad input
@pytest.mark.parametrize("index", [np.array([0.5]), tg.Tensor([1.5])])
def test_tensor_dataset_refuses_fractional_indices_instead_of_truncating(index):
    dataset = TensorDataset(np.arange(10.0).reshape(10, 1))
    with pytest.raises(IndexError, match="whole numbers"):
        dataset[index]


def test_tensor_dataset_index_error_names_the_length():
    dataset = TensorDataset(np.ones((10, 2)))
    with pytest.raises(IndexError, match="10 samples"):
        dataset[10]
    assert dataset[tg.Tensor([1.0, 2.0])][0].shape == (2, 2)


def test_dataloader_names_the_shapes_of_samples_that_cannot_be_batched():
    class Ragged(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return (np.ones(i + 1),)

    with pytest.raises(ValueError, match=r"different shapes \[\(1,\), \(2,\)\]"):
        next(iter(DataLoader(Ragged(), batch_size=2)))


def test_dict_samples_are_batched_into_a_dict_like_pytorchs_default_collate():
    class Records(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"x": np.full(2, float(i)), "label": i}

    batches = list(DataLoader(Records(), batch_size=2))
    assert [sorted(b) for b in batches] == [["label", "x"], ["label", "x"]]
    assert batches[0]["x"].tolist() == [[0.0, 0.0], [1.0, 1.0]] and batches[1]["label"].tolist() == [2.0]
    assert isinstance(batches[0]["label"], tg.Tensor)

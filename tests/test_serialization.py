"""save / load: .npz round trips, keys with dots, order, dtypes, and every kind of bad file."""

import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_model_round_trip(tmp_path):
    model = nn.MLP(2, [5, 3], 1, dtype=np.float32)
    path = tmp_path / "model.npz"
    tg.save(model.state_dict(), path)
    loaded = tg.load(path)
    assert isinstance(loaded, OrderedDict)
    assert list(loaded) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded[key], value)
        assert loaded[key].dtype == np.float32
    fresh = nn.MLP(2, [5, 3], 1, dtype=np.float32)
    fresh.load_state_dict(loaded)
    x = tg.ones(3, 2, dtype=np.float32)
    np.testing.assert_array_equal(fresh(x).data, model(x).data)


def test_keys_values_and_path_kinds(tmp_path):
    state = OrderedDict([("z.last", np.arange(3)), ("a.b.c", tg.Tensor([[1.0, 2.0]])), ("scalar", 2.5),
                         ("file", np.zeros(0)), ("allow_pickle", np.ones((2, 0)))])
    path = os.path.join(tmp_path, "no_extension")
    tg.save(state, path)
    assert os.path.exists(path) and not os.path.exists(path + ".npz")
    loaded = tg.load(path)
    assert list(loaded) == list(state)
    assert loaded["z.last"].tolist() == [0, 1, 2] and loaded["a.b.c"].tolist() == [[1.0, 2.0]]
    assert loaded["scalar"].shape == () and loaded["scalar"] == 2.5 and loaded["allow_pickle"].shape == (2, 0)
    assert [f for f in os.listdir(tmp_path)] == ["no_extension"]  # no temporary left behind


def test_files_written_by_numpy_savez_load(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(2), b=np.zeros(1))
    assert list(tg.load(path)) == ["w", "b"]


def test_save_refuses_object_arrays_and_models(tmp_path):
    with pytest.raises(TypeError, match="object array"):
        tg.save({"bad": np.array([{"a": 1}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="function.*without pickle"):
        tg.save({"opt": {"schedule": lambda t: t}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="state_dict"):
        tg.save(nn.Linear(1, 1), tmp_path / "x.npz")
    with pytest.raises(TypeError, match="strings"):
        tg.save({1: np.zeros(1)}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_load_refuses_pickled_object_arrays_without_running_them(tmp_path):
    path = tmp_path / "evil.npz"
    marker = tmp_path / "ran"
    np.savez(path, payload=np.array([Boom(str(marker))], dtype=object))
    with pytest.raises(ValueError, match="object array"):
        tg.load(path)
    assert not marker.exists()


class Boom:
    """Unpickling this would create a file: the test checks that it never happens."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "nope.npz")


def test_not_an_npz_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("just some text, not a zip archive")
    with pytest.raises(ValueError, match="not an .npz"):
        tg.load(path)
    np.save(tmp_path / "array.npy", np.ones(3))
    with pytest.raises(ValueError, match="not an .npz"):
        tg.load(tmp_path / "array.npy")
    with pytest.raises(IsADirectoryError):
        tg.load(tmp_path)


def test_truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    tg.save(nn.Linear(30, 30).state_dict(), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 40):
        truncated = tmp_path / f"cut{cut}.npz"
        truncated.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated|not an .npz"):
            tg.load(truncated)


def test_corrupted_member(tmp_path):
    path = tmp_path / "model.npz"
    tg.save({"w": np.arange(1000.0)}, path)
    data = bytearray(path.read_bytes())
    data[500] ^= 0xFF  # flip bits inside the array's bytes: the CRC check must catch it
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupted"):
        tg.load(path)


def test_archive_with_a_foreign_member(tmp_path):
    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="readme.txt"):
        tg.load(path)


# ---------------------------------------------------------------- audit: bad input
def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    target = tmp_path / "no" / "such" / "model.npz"
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        tg.save(nn.Linear(2, 1).state_dict(), target)
    assert isinstance(info.value, RuntimeError) and str(tmp_path / "no" / "such") in str(info.value)
    assert not (tmp_path / "no").exists()


def test_save_to_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        tg.save(nn.Linear(2, 1).state_dict(), tmp_path)


@pytest.mark.parametrize("path", [None, 3])
def test_save_and_load_need_a_path(tmp_path, path):
    with pytest.raises(TypeError, match="path"):
        tg.save({"a": np.ones(2)}, path)
    with pytest.raises(TypeError, match="path"):
        tg.load(path)


@pytest.mark.parametrize("value", [np.array(["x", "y"]), np.ones(2) * 1j])  # a plain str is checkpoint metadata
def test_save_refuses_non_real_entries(tmp_path, value):
    with pytest.raises(TypeError, match="'a'.*real numbers"):
        tg.save({"a": value}, tmp_path / "x.npz")


@pytest.mark.parametrize("value", [np.array(["x", "y"]), np.ones(2) * 1j])
def test_load_refuses_non_real_arrays(tmp_path, value):
    path = tmp_path / "x.npz"
    np.savez(path, a=value)
    with pytest.raises(ValueError, match="'a.npy'.*real numbers"):
        tg.load(path)


# ---------------------------------------------------------------- audit: nested state dicts (torch.save keeps them)
def test_checkpoint_with_model_optimizer_and_scheduler_round_trips(tmp_path):
    def make():
        model = nn.MLP(2, [3], 1)
        opt = tg.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
        return model, opt, tg.optim.lr_scheduler.MultiStepLR(opt, [2, 4])

    def train(model, opt, sched, steps):
        for _ in range(steps):
            opt.zero_grad()
            (model(tg.ones(4, 2)) ** 2).mean().backward()
            opt.step()
            sched.step()

    model, opt, sched = make()
    train(model, opt, sched, 3)
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                  "epoch": 3, "note": "run 1", "best": None, "betas": (0.8, 0.9)}
    tg.save(checkpoint, tmp_path / "checkpoint.npz")
    loaded = tg.load(tmp_path / "checkpoint.npz")
    assert list(loaded) == list(checkpoint)
    assert (loaded["epoch"], loaded["note"], loaded["best"], loaded["betas"]) == (3, "run 1", None, (0.8, 0.9))
    assert list(loaded["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    assert list(loaded["optimizer"]["state"]) == [0, 1, 2, 3] and loaded["optimizer"]["state"][0]["step"] == 3

    model2, opt2, sched2 = make()
    model2.load_state_dict(loaded["model"])
    opt2.load_state_dict(loaded["optimizer"])
    sched2.load_state_dict(loaded["scheduler"])
    train(model, opt, sched, 3)
    train(model2, opt2, sched2, 3)
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert sched.get_last_lr() == sched2.get_last_lr()


def test_flat_state_dicts_stay_plain_npz_files(tmp_path):
    tg.save(nn.Linear(2, 1).state_dict(), tmp_path / "flat.npz")
    assert zipfile.ZipFile(tmp_path / "flat.npz").namelist() == ["weight.npy", "bias.npy"]
    tg.save({"model": nn.Linear(2, 1).state_dict()}, tmp_path / "nested.npz")
    assert list(np.load(tmp_path / "nested.npz").files)[:2] == ["model/weight", "model/bias"]


def test_nested_keys_that_would_share_a_member_name_are_kept_apart(tmp_path):
    state = {"a": {0: np.zeros(1), "0": np.ones(1), "b/c": np.full(1, 2.0)}, "a/b": {"c": np.full(1, 3.0)}}
    tg.save(state, tmp_path / "x.npz")
    loaded = tg.load(tmp_path / "x.npz")
    assert list(loaded["a"]) == [0, "0", "b/c"]
    assert [loaded["a"][k][0] for k in (0, "0", "b/c")] + [loaded["a/b"]["c"][0]] == [0.0, 1.0, 2.0, 3.0]


def test_nested_state_dict_errors(tmp_path):
    looped = {}
    looped["self"] = {"again": looped}
    with pytest.raises(ValueError, match="contains itself"):
        tg.save({"a": looped}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="strings or integers"):
        tg.save({"a": {(1, 2): np.zeros(1)}}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("tree", ["{not json", '{"dict": [["a", {"array": "missing"}]]}', '{"list": []}',
                                  '{"dict": [["a", {"eval": "print(1)"}]]}'])
def test_corrupted_structure_member_is_reported(tmp_path, tree):
    path = tmp_path / "x.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__tree__.json", tree)
    with pytest.raises(ValueError, match="corrupted"):
        tg.load(path)

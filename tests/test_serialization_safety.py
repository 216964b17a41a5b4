"""save / load on hostile or unlucky ground: atomic writes, member names, pipes and devices, bombs, deep trees.

And round trips that keep every dtype, shape and container type exactly.
"""

import math
import os
import stat
import struct
import subprocess
import sys
import threading
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

try:
    import resource  # POSIX only
except ImportError:
    resource = None

import tinygrad_edu as tg


def old_and_new(tmp_path):
    """A checkpoint already on disk, and its path."""
    path = tmp_path / "ckpt.npz"
    tg.save({"model": {"w": np.arange(4.0)}, "epoch": 1}, path)
    return path


def assert_old_checkpoint_intact(path):
    assert os.listdir(path.parent) == [path.name]  # no temporary file left behind
    loaded = tg.load(path)
    assert loaded["epoch"] == 1 and loaded["model"]["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


# ---------------------------------------------------------------- atomic replace
def test_concurrent_saves_of_one_path_all_succeed_and_leave_one_complete_file(tmp_path):
    path, errors = tmp_path / "shared.npz", []
    start = threading.Barrier(8)

    def saver(worker):
        start.wait()
        for round_ in range(4):
            value = 10 * worker + round_
            try:
                tg.save({"w": np.full(20_000, float(value)), "id": np.array(value)}, path)
            except Exception as error:  # collected: an exception in a thread would not fail the test
                errors.append(error)

    threads = [threading.Thread(target=saver, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["shared.npz"]
    loaded = tg.load(path)
    assert np.all(loaded["w"] == float(loaded["id"]))  # one save's whole content, not a mix


def test_a_symlink_planted_at_the_old_predictable_temporary_name_is_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = tmp_path / "model.npz"
    os.symlink(victim, f"{path}.tmp-{os.getpid()}")
    tg.save({"w": np.ones(3)}, path)
    assert victim.read_text() == "precious"
    assert stat.S_ISREG(os.lstat(path).st_mode) and tg.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_the_temporary_file_is_created_exclusively_even_when_its_random_name_is_taken(tmp_path, monkeypatch):
    # Make the "random" part predictable, plant a symlink under the first name it gives, and
    # check that save neither follows nor removes it but takes the next name.
    names = iter(["planted", "fresh"])
    monkeypatch.setattr("tinygrad_edu.serialization._files.secrets.token_hex", lambda nbytes: next(names))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / ".model.npz.planted.tmp"
    os.symlink(victim, link)
    tg.save({"w": np.ones(3)}, tmp_path / "model.npz")
    assert victim.read_text() == "precious" and os.readlink(link) == str(victim)
    assert sorted(os.listdir(tmp_path)) == [".model.npz.planted.tmp", "model.npz", "victim.txt"]


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = tmp_path / "model.npz"
    os.symlink(victim, path)
    tg.save({"w": np.ones(2)}, path)
    assert victim.read_text() == "precious" and not os.path.islink(path)


def test_saved_files_get_the_usual_permissions_not_private_ones(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    tg.save({"w": np.ones(2)}, tmp_path / "model.npz")
    assert stat.S_IMODE(os.stat(tmp_path / "model.npz").st_mode) == 0o666 & ~mask


def failing_write_array(member, array, allow_pickle=False):
    member.write(b"\x93NUMPY partial bytes")  # something reached the disk first
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failure", ["disk full", "rename fails", "interrupted", "unserializable value"])
def test_a_failed_save_leaves_the_old_checkpoint_intact_and_no_temporary_file(tmp_path, monkeypatch, failure):
    path = old_and_new(tmp_path)
    new = {"model": {"w": np.zeros(4)}, "epoch": 2}
    if failure == "disk full":
        monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
        expected = OSError
    elif failure == "rename fails":
        monkeypatch.setattr(os, "replace", lambda source, target: (_ for _ in ()).throw(PermissionError("denied")))
        expected = PermissionError
    elif failure == "interrupted":
        def interrupt(member, array, allow_pickle=False):
            raise KeyboardInterrupt
        monkeypatch.setattr(np.lib.format, "write_array", interrupt)
        expected = KeyboardInterrupt
    else:
        new["schedule"] = lambda epoch: 0.1
        expected = TypeError
    with pytest.raises(expected):
        tg.save(new, path)
    monkeypatch.undo()
    assert_old_checkpoint_intact(path)


# ---------------------------------------------------------------- member names
UNSAFE_KEYS = ["../evil", "../../etc/passwd", "/abs/path", "a\\..\\..\\b", "nul\0byte", "", "C:/windows", ".", "a//b",
               "dir/../../x", "tab\tand\nnewline"]


def assert_member_names_stay_inside_the_folder(path, folder):
    for name in zipfile.ZipFile(path).namelist():
        parts = name.split("/")
        assert not any(part in ("", ".", "..") for part in parts), name
        assert not any(c in name for c in "\\:") and all(ord(c) >= 32 and ord(c) != 127 for c in name), repr(name)
        target = os.path.normpath(os.path.join(folder, name))  # where a naive unzip tool would write it
        assert os.path.commonpath([folder, target]) == str(folder), name


def test_flat_keys_that_are_not_plain_names_never_become_unsafe_member_names(tmp_path):
    state = OrderedDict((key, np.full(2, float(i))) for i, key in enumerate(UNSAFE_KEYS + ["0.weight"]))
    path = tmp_path / "x.npz"
    tg.save(state, path)
    assert_member_names_stay_inside_the_folder(path, tmp_path)
    loaded = tg.load(path)
    assert list(loaded) == list(state)  # mapped back exactly, in order
    for key, value in state.items():
        np.testing.assert_array_equal(loaded[key], value)


def test_nested_keys_that_are_not_plain_names_never_become_unsafe_member_names(tmp_path):
    state = {"..": {"..": {"evil": np.ones(1)}}, "/": {"abs": np.full(1, 2.0)}, "a\\b": [np.full(1, 3.0)],
             "": {"": np.full(1, 4.0)}, "%2E%2E": np.full(1, 5.0)}
    path = tmp_path / "x.npz"
    tg.save(state, path)
    assert_member_names_stay_inside_the_folder(path, tmp_path)
    loaded = tg.load(path)
    assert loaded[".."][".."]["evil"][0] == 1.0 and loaded["/"]["abs"][0] == 2.0 and loaded["a\\b"][0][0] == 3.0
    assert loaded[""][""][0] == 4.0 and loaded["%2E%2E"][0] == 5.0


def test_plain_keys_stay_a_plain_npz_that_numpy_reads_with_the_same_names(tmp_path):
    state = OrderedDict([("0.weight", np.ones(2)), ("layers.1.bias", np.zeros(1)), ("block/conv.w", np.ones(1)),
                         ("with space", np.ones(1)), ("ünïcode", np.ones(1)), ("50%", np.ones(1))])
    tg.save(state, tmp_path / "x.npz")
    assert np.load(tmp_path / "x.npz").files == list(state)
    assert list(tg.load(tmp_path / "x.npz")) == list(state)


# ---------------------------------------------------------------- load: regular files only
def test_a_named_pipe_is_refused_at_once_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    outcome = []

    def attempt():
        try:
            tg.load(fifo)
            outcome.append("loaded")
        except Exception as error:
            outcome.append(error)

    reader = threading.Thread(target=attempt, daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # blocked in open(): give it a writer that closes at once, so the thread can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
    assert len(outcome) == 1 and isinstance(outcome[0], ValueError), outcome
    assert "named pipe" in str(outcome[0]) and "regular file" in str(outcome[0])


DEVICE_CHECK = """
import os, sys, tinygrad_edu as tg
os.symlink("/dev/zero", sys.argv[1])
for path in ("/dev/zero", sys.argv[1]):
    try:
        tg.load(path)
    except ValueError as error:
        print(error)
"""


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


@pytest.mark.skipif(not os.path.exists("/dev/zero") or resource is None, reason="needs /dev/zero and resource")
def test_a_device_is_refused_directly_or_through_a_symlink(tmp_path):
    # In a child process with 2 GiB of memory and a minute: a load that reads /dev/zero forever
    # (as it once did) must fail this test, not exhaust the machine.
    root = os.path.dirname(os.path.dirname(tg.__file__))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-c", DEVICE_CHECK, str(tmp_path / "zero.npz")], capture_output=True,
                            text=True, timeout=60, env=env, preexec_fn=limit_memory)
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all("is a character device, not a regular file" in line for line in lines), result


def test_a_symlink_to_a_regular_file_loads(tmp_path):
    tg.save({"w": np.ones(2)}, tmp_path / "real.npz")
    os.symlink(tmp_path / "real.npz", tmp_path / "link.npz")
    assert tg.load(tmp_path / "link.npz")["w"].tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- load: size limits
def test_a_small_compressed_file_that_expands_past_max_bytes_is_refused(tmp_path):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, w=np.zeros(2_000_000))  # 16 MB of zeros in a file of a few kB
    assert os.path.getsize(path) < 100_000
    with pytest.raises(ValueError, match=r"expand to 16,000,128 bytes.*more than max_bytes=1,000,000"):
        tg.load(path, max_bytes=1_000_000)
    assert tg.load(path)["w"].shape == (2_000_000,)  # the default limit (1 GiB) lets it through
    assert tg.load(path, max_bytes=None)["w"].shape == (2_000_000,)


def with_declared_size(path, size):
    """Rewrite the central directory of a one-member archive so that it declares ``size`` uncompressed bytes."""
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02")
    data[entry + 24: entry + 28] = struct.pack("<I", size)
    path.write_bytes(bytes(data))


def test_the_default_limit_refuses_an_archive_declaring_gigabytes_before_reading_it(tmp_path):
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w.npy", b"tiny")
    with_declared_size(path, 0xFFFFFFF0)  # about 4 GiB
    with pytest.raises(ValueError, match=r"4,294,967,280 bytes.*max_bytes=1,073,741,824"):
        tg.load(path)


def test_an_array_header_claiming_more_data_than_its_member_holds_is_refused_before_allocating(tmp_path):
    path = tmp_path / "liar.npz"
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}  # 8 TB of float64
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open("w.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, header)
            member.write(np.ones(2).tobytes())
    with pytest.raises(ValueError, match=r"'w.npy'.*header declares 8,000,000,000,000 bytes.*member holds 16"):
        tg.load(path)


@pytest.mark.parametrize("keyword, value, error", [("max_bytes", -1, ValueError), ("max_bytes", "1GB", TypeError),
                                                   ("max_bytes", True, TypeError), ("max_depth", 0, ValueError),
                                                   ("max_depth", 2.5, TypeError)])
def test_limits_must_be_integers(tmp_path, keyword, value, error):
    tg.save({"w": np.ones(1)}, tmp_path / "x.npz")
    with pytest.raises(error, match=f"load: {keyword} must be an integer"):
        tg.load(tmp_path / "x.npz", **{keyword: value})
    if keyword == "max_depth":
        with pytest.raises(error, match=f"save: {keyword} must be an integer"):
            tg.save({"w": np.ones(1)}, tmp_path / "x.npz", max_depth=value)


# ---------------------------------------------------------------- nesting depth
def nested(depth, leaf=None):
    """A dict nested ``depth`` levels deep (depth 1 is {"k": leaf})."""
    tree = {"k": np.ones(1) if leaf is None else leaf}
    for _ in range(depth - 1):
        tree = {"k": tree}
    return tree


def test_saving_a_tree_deeper_than_max_depth_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"nested more than max_depth=100 levels deep") as info:
        tg.save(nested(600), tmp_path / "x.npz")
    assert len(str(info.value)) < 300  # the path in the message is shortened
    deeper_than_python_allows = sys.getrecursionlimit() + 100  # (Hypothesis may have raised the limit)
    with pytest.raises(ValueError, match="recursion limit"):  # a limit raised too far is not a RecursionError either
        tg.save(nested(deeper_than_python_allows), tmp_path / "x.npz", max_depth=10 * deeper_than_python_allows)
    assert os.listdir(tmp_path) == []


def test_trees_up_to_max_depth_round_trip_and_deeper_ones_need_the_keyword(tmp_path):
    path = tmp_path / "x.npz"
    tg.save(nested(100), path)
    loaded = tg.load(path)
    for _ in range(99):
        loaded = loaded["k"]
    assert loaded["k"].tolist() == [1.0]
    tg.save(nested(120), path, max_depth=150)
    with pytest.raises(ValueError, match="nested more than max_depth=100 levels deep; pass a larger max_depth="):
        tg.load(path)
    assert len(tg.load(path, max_depth=120)) == 1


def crafted(tmp_path, tree_json):
    path = tmp_path / "crafted.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__tree__.json", tree_json)
    return path


@pytest.mark.parametrize("depth", [150, 600, 100_000])
@pytest.mark.parametrize("kind", ["dict", "list"])
def test_a_crafted_deep_structure_is_a_clear_error_not_a_recursion_error(tmp_path, depth, kind):
    opening, closing = ('{"dict": [["k", ', ']]}') if kind == "dict" else ('{"list": [', "]}")
    path = crafted(tmp_path, opening * depth + '{"value": 1}' + closing * depth)
    with pytest.raises(ValueError, match="max_depth=100"):
        tg.load(path)


# ---------------------------------------------------------------- exact round trips
DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.bool_]
SHAPES = [(), (0,), (2, 0), (3, 4), (1, 1, 1)]


def sample(dtype, shape, seed):
    values = np.random.default_rng(seed).normal(size=shape) * 10
    return (values > 0) if dtype is np.bool_ else values.astype(dtype)


def assert_same(loaded, original, where="top"):
    """Equal values with the same types: containers, key order, scalars, dtypes and shapes."""
    if isinstance(original, tg.Tensor):
        original = original.numpy()
    if isinstance(original, (np.ndarray, np.generic)):
        assert isinstance(loaded, np.ndarray), where
        assert (loaded.dtype, loaded.shape) == (original.dtype, np.shape(original)), where
        np.testing.assert_array_equal(loaded, original, err_msg=where)
    elif isinstance(original, dict):
        assert isinstance(loaded, OrderedDict) and list(loaded) == list(original), where
        for key in original:
            assert_same(loaded[key], original[key], f"{where}/{key!r}")
    elif isinstance(original, (list, tuple)):
        assert type(loaded) is type(original) and len(loaded) == len(original), where
        for i, (a, b) in enumerate(zip(loaded, original)):
            assert_same(a, b, f"{where}/{i}")
    elif isinstance(original, float) and math.isnan(original):
        assert type(loaded) is float and math.isnan(loaded), where
    else:
        assert type(loaded) is type(original) and loaded == original, where


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_flat_round_trips_keep_dtype_and_shape_exactly(tmp_path, dtype):
    state = OrderedDict((f"{np.dtype(dtype).name}.{i}", sample(dtype, shape, i)) for i, shape in enumerate(SHAPES))
    if np.dtype(dtype).kind == "f":  # Tensors keep their dtype too
        state["tensor"] = tg.Tensor(sample(dtype, (2, 3), 9), dtype=dtype)
    tg.save(state, tmp_path / "x.npz")
    assert_same(tg.load(tmp_path / "x.npz"), state)


def test_nested_round_trips_keep_structure_types_and_arrays_exactly(tmp_path):
    arrays = {f"{np.dtype(d).name}{shape}": sample(d, shape, i) for i, (d, shape) in
              enumerate((d, s) for d in (np.float16, np.float32, np.float64) for s in SHAPES)}
    state = {
        "model": arrays,
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.ones(2, np.float32)}, 1: {}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False}]},
        "scalars": [True, 1, -2, 1.5, 0.1, float("inf"), float("-inf"), float("nan"), -0.0, "text", "", None],
        "empty": {"dict": {}, "list": [], "tuple": ()},
        "mixed keys": {0: "int key", "0": "str key", 1: [(), [()]]},
        "tensor": tg.Tensor(np.arange(3.0), dtype=np.float32),
    }
    tg.save(state, tmp_path / "x.npz")
    assert_same(tg.load(tmp_path / "x.npz"), state)


def test_names_colliding_many_times_are_all_kept_apart(tmp_path):
    # 0 and "0" under "a", and the top-level keys "a/0" and "a/0~1", all start from the member name "a/0";
    # ".." and "%2E%2E" share the escaped name "%2E%2E".
    state = {"a": {0: np.full(1, 0.0), "0": np.full(1, 1.0)}, "a/0": np.full(1, 2.0), "a/0~1": np.full(1, 3.0),
             "b": {"..": np.full(1, 4.0), "%2E%2E": np.full(1, 5.0)}}
    tg.save(state, tmp_path / "x.npz")
    assert len(zipfile.ZipFile(tmp_path / "x.npz").namelist()) == 7  # six arrays and the tree
    assert_same(tg.load(tmp_path / "x.npz"), state)


def test_arrays_written_by_numpy_in_fortran_order_or_big_endian_load_exactly(tmp_path):
    fortran = np.asfortranarray(np.arange(24.0).reshape(2, 3, 4))
    big_endian = np.arange(5, dtype=">f4")
    np.savez(tmp_path / "x.npz", fortran=fortran, big_endian=big_endian, flags=np.array([[True, False]]))
    loaded = tg.load(tmp_path / "x.npz")
    np.testing.assert_array_equal(loaded["fortran"], fortran)
    assert loaded["big_endian"].dtype == np.dtype(">f4") and loaded["big_endian"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert loaded["flags"].tolist() == [[True, False]]

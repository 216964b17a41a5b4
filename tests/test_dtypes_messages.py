"""Tensor creation from lists holding integers that NumPy cannot store: the error names the integer."""

import pytest

import tinygrad_edu as tg


@pytest.mark.parametrize("data", [[2**70], [[1, 2], [3, 2**70]], [1.0, -(2**70)], (True, 2**64)])
def test_an_integer_too_large_for_int64_is_named_with_a_float_suggestion(data):
    with pytest.raises(OverflowError, match=r"integer -?\d+: it is too large for int64.*not convert it to float") as info:
        tg.Tensor(data)
    assert "non-numeric" not in str(info.value) and "ragged" not in str(info.value)
    assert "write it as a float" in str(info.value)


def test_an_integer_too_large_for_float64_says_so_and_stays_readable():
    with pytest.raises(OverflowError, match=r"too large for int64.*too large for float64 as well") as info:
        tg.Tensor([1, 10**400])
    assert "(401 digits)" in str(info.value) and len(str(info.value)) < 300


def test_integers_numpy_can_hold_still_work_and_non_numbers_keep_their_message():
    assert tg.Tensor([2**64 - 1, -(2**63)]).tolist() == [float(2**64 - 1), float(-(2**63))]
    with pytest.raises(TypeError, match="non-numeric items"):
        tg.Tensor([None, 1])

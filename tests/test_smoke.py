import numpy as np

import tinygrad_edu as tg


def test_square_sum_gradient_is_twice_x():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])


def test_reused_node_gets_gradient_from_every_use():
    a = tg.Tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0

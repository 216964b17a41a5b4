"""optim.clip_grad_norm_: against PyTorch's values, below the limit, errors."""

import numpy as np
import pytest

from tinygrad_edu import nn, optim

# ---------------------------------------------------------------- clip_grad_norm_
# torch.nn.utils.clip_grad_norm_([p1, p2], max_norm=2.5, norm_type=...) with
# p1.grad = [[3, -4], [1, 2]], p2.grad = [0.5, -6, 2] (float64, torch 2.13):
TORCH_CLIP = {
    2.0: (8.381527307120106, [[0.8948248726462873, -1.1930998301950497], [0.29827495754876243, 0.5965499150975249]],
          [0.14913747877438122, -1.7896497452925746, 0.5965499150975249]),
    1.0: (18.5, [[0.4054053834916008, -0.5405405113221344], [0.1351351278305336, 0.2702702556610672]],
          [0.0675675639152668, -0.8108107669832016, 0.2702702556610672]),
    float("inf"): (6.0, [[1.2499997916667014, -1.6666663888889353], [0.4166665972222338, 0.8333331944444676]],
                   [0.2083332986111169, -2.4999995833334028, 0.8333331944444676]),
    3.0: (6.869168608917909, [[1.0918350291224594, -1.455780038829946], [0.3639450097074865, 0.727890019414973]],
          [0.18197250485374325, -2.183670058244919, 0.727890019414973]),
}


@pytest.mark.parametrize("norm_type", sorted(TORCH_CLIP))
def test_clip_grad_norm_matches_pytorch(norm_type):
    p1, p2, p3 = nn.Parameter(np.zeros((2, 2))), nn.Parameter(np.zeros(3)), nn.Parameter([0.0])
    p1.grad, p2.grad = [[3.0, -4.0], [1.0, 2.0]], [0.5, -6.0, 2.0]
    total = optim.clip_grad_norm_((p for p in [p1, p2, p3]), max_norm=2.5, norm_type=norm_type)
    expected_total, g1, g2 = TORCH_CLIP[norm_type]
    assert float(total) == pytest.approx(expected_total, rel=1e-14)
    np.testing.assert_allclose(p1.grad, g1, rtol=1e-14)
    np.testing.assert_allclose(p2.grad, g2, rtol=1e-14)
    assert p3.grad is None


def test_clip_grad_norm_below_the_limit_leaves_gradients_almost_unchanged():
    w = nn.Parameter([0.0, 0.0])
    w.grad = [0.3, 0.4]
    assert float(optim.clip_grad_norm_(w, max_norm=10.0)) == pytest.approx(0.5)
    np.testing.assert_allclose(w.grad, [0.3, 0.4])
    assert float(optim.clip_grad_norm_([nn.Parameter([1.0])], 1.0)) == 0.0


def test_clip_grad_norm_errors():
    w = nn.Parameter([0.0])
    w.grad = [np.inf]
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_grad_norm_([w], -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        optim.clip_grad_norm_([w], 1.0, norm_type=0)
    with pytest.raises(TypeError):
        optim.clip_grad_norm_([np.zeros(1)], 1.0)


def test_clip_grad_norm_parameters_must_be_iterable():
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.clip_grad_norm_(None, 1.0)

"""The public names of tinygrad_edu (the API contract), as the API reference must document them.

``check_site.py`` verifies that the built reference has an entry (an HTML anchor with the
dotted name) for each of them. Add a name here when the contract gains one.
"""

from __future__ import annotations

_TENSOR_MEMBERS = """
__init__ data grad requires_grad is_leaf grad_fn name shape ndim size dtype T item numpy tolist
detach retain_grad backward
__add__ __sub__ __mul__ __truediv__ __pow__ __matmul__ __neg__ __getitem__ matmul maximum minimum
relu leaky_relu sigmoid tanh exp log sqrt abs clip
sum mean max min var logsumexp softmax log_softmax
reshape transpose permute swapaxes flatten squeeze unsqueeze expand broadcast_to
add sub mul div pow neg dot mm outer t mT sign square reciprocal rsqrt log1p expm1 sin cos
eq ne lt le gt ge where masked_fill clone prod std norm cumsum flip repeat expand_as type_as to cpu cuda
half float double long int bool contiguous device split chunk unbind gather index_select tril triu sort argsort topk
amax amin argmax argmin any all allclose isclose equal __dlpack__ __dlpack_device__
"""

_MODULES = {
    "tinygrad_edu": """
        Tensor backward grad no_grad enable_grad is_grad_enabled Function Context
        zeros ones full zeros_like ones_like arange linspace eye randn rand manual_seed
        set_default_dtype get_default_dtype cat stack where maximum minimum save load
        tensor from_numpy as_tensor is_tensor from_dlpack empty randint randperm normal einsum
        float16 float32 float64 half float double int64 long
        abs add all allclose amax amin any argmax argmin argsort broadcast_to chunk clamp clip clone cos cumsum div dot
        eq equal exp expm1 flatten flip gather ge greater greater_equal gt index_select isclose isfinite isinf isnan le
        less less_equal log log1p log_softmax logsumexp lt masked_fill matmul max mean min mm mul ne neg norm outer
        permute pow prod reciprocal relu reshape rsqrt sigmoid sign sin softmax sort split sqrt square squeeze std sub
        sum swapaxes swapdims t tanh topk transpose tril triu unbind unsqueeze var
    """,
    "tinygrad_edu.nn": """
        Module Parameter Linear ReLU LeakyReLU Sigmoid Tanh Identity Sequential MLP MSELoss L1Loss CrossEntropyLoss
        Module.forward Module.parameters Module.named_parameters Module.children Module.modules Module.zero_grad
        Module.train Module.eval Module.state_dict Module.load_state_dict
        Module.to Module.float Module.double Module.half Module.cpu Module.cuda
    """,
    "tinygrad_edu.nn.functional": "relu linear mse_loss l1_loss cross_entropy softmax log_softmax",
    "tinygrad_edu.nn.init": """
        uniform_ normal_ zeros_ ones_ constant_ kaiming_uniform_ kaiming_normal_ xavier_uniform_ xavier_normal_
    """,
    "tinygrad_edu.optim": """
        Optimizer SGD Adam clip_grad_norm_ Optimizer.zero_grad Optimizer.step Optimizer.state_dict
        Optimizer.load_state_dict
    """,
    "tinygrad_edu.optim.lr_scheduler": "StepLR ExponentialLR CosineAnnealingLR LambdaLR MultiStepLR InverseTimeLR",
    "tinygrad_edu.data": "TensorDataset DataLoader",
    "tinygrad_edu.viz": "draw_graph render",
    "tinygrad_edu.testing": "gradcheck gradgradcheck numerical_grad",
    "tinygrad_edu.testing.strategies": "arrays tensors shapes broadcastable_shapes matmul_shapes",
    "tinygrad_edu.analysis": "hvp sharpness relu_elbows dead_relus",
}

PUBLIC_NAMES: list[str] = [f"tinygrad_edu.Tensor.{member}" for member in _TENSOR_MEMBERS.split()] + [
    f"{module}.{name}" for module, names in _MODULES.items() for name in names.split()
]

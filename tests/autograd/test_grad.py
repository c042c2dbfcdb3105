"""autograd.grad (with create_graph for higher order), gradcheck and gradgradcheck, against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, randn

HIGHER = {
    "cube": lambda m, x: (x ** 3).sum(),
    "exp_sin": lambda m, x: (x.exp() * x.sin()).sum(),
    "tanh_sigmoid": lambda m, x: (x.tanh() + x.sigmoid() * x).sum(),
    "softmax": lambda m, x: (m.softmax(x, 0) * m.arange(x.shape[0], dtype=x.dtype)).sum(),
    "log_softmax": lambda m, x: m.log_softmax(x, 0)[1],
    "matmul": lambda m, x: (x.reshape(2, 2) @ x.reshape(2, 2)).sum(),
    "norm": lambda m, x: x.norm(),
    "var_std": lambda m, x: x.var() + x.std(),
    "logsumexp": lambda m, x: x.logsumexp(0),
    "div_pow": lambda m, x: (1 / (x * x + 1)).sum() + (x.abs() + 1).pow(1.5).sum(),
    "indexing": lambda m, x: (x[1:] * x[:-1]).sum() + x[[0, 0, 3]].prod(),
    "max_amax": lambda m, x: x.max() * x.amax() + x.max(0)[0],
    "where_clamp": lambda m, x: m.where(x > 0, x * x, x.clamp(-0.5, 0.5) * 3).sum(),
    "cumsum_prod": lambda m, x: (x.cumsum(0) * x).sum() + x.prod(),
    "sqrt_rsqrt": lambda m, x: ((x * x + 1).sqrt() * (x * x + 2).rsqrt()).sum(),
    "einsum": lambda m, x: m.einsum("i,i->", x, x.exp()),
    "cat_stack": lambda m, x: (m.cat([x, x * x]) * m.stack([x, x]).reshape(-1)).sum(),
    "gather_scatter": lambda m, x: (x.gather(0, m.tensor([1, 1, 0])) ** 2).sum(),
}


@pytest.mark.parametrize("name", HIGHER)
def test_second_and_third_derivatives(name):
    """grad of grad (Hessian-vector product) and one more order, compared with PyTorch."""
    x0 = randn(4) * 0.7
    results = []
    for lib in (ember, torch):
        x = lib.tensor(x0, requires_grad=True)
        (g,) = lib.autograd.grad(HIGHER[name](lib, x), x, create_graph=True)
        v = lib.tensor(np.linspace(-1, 1, 4))
        (h,) = lib.autograd.grad((g * v).sum(), x, create_graph=True)
        # a constant Hessian has no graph left, in both libraries
        t = lib.autograd.grad((h * h).sum(), x, allow_unused=True)[0] if h.requires_grad else None
        results.append((g, h, t))
    (eg, eh, et), (tg, th, tt) = results
    assert_close(eg, tg)
    assert_close(eh, th)
    assert eh.requires_grad == th.requires_grad
    if tt is None:
        assert et is None or not et.detach().numpy().any()
    else:
        assert_close(et, tt)


def test_grad_does_not_touch_dot_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ember.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 4.0] and x.grad is None and not g.requires_grad


def test_grad_of_intermediate_and_multiple_inputs():
    e, t = ember.tensor(randn(3), requires_grad=True), torch.tensor(randn(3), requires_grad=True)
    outs = []
    for lib, x in ((ember, e), (torch, t)):
        y = x.exp()
        z = (y * x).sum()
        outs.append(lib.autograd.grad(z, [y, x], retain_graph=True))
    for a, b in zip(*outs):
        assert_close(a, b)


def test_grad_outputs_and_retain_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    (g,) = ember.autograd.grad(y, x, grad_outputs=ember.tensor([1.0, 10.0]), retain_graph=True)
    assert g.tolist() == [2.0, 40.0]
    (g,) = ember.autograd.grad([y.sum()], [x])
    assert g.tolist() == [2.0, 4.0]


def test_allow_unused_and_materialize():
    x, u = ember.ones(2, requires_grad=True), ember.ones(3, requires_grad=True)
    tx, tu = torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as torch_err:
        torch.autograd.grad((tx * 2).sum(), [tx, tu])
    with pytest.raises(RuntimeError) as err:
        ember.autograd.grad((x * 2).sum(), [x, u])
    assert str(err.value) == str(torch_err.value)
    assert ember.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)[1] is None
    assert ember.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)[1].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError) as torch_err:
        torch.autograd.grad((tx * 2).sum(), torch.ones(1))
    with pytest.raises(RuntimeError) as err:
        ember.autograd.grad((x * 2).sum(), ember.ones(1))
    assert str(err.value) == str(torch_err.value)


GRADCHECK = {
    "mul_add": (lambda a, b: a * b + a, [(3, 4), (4,)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 2)]),
    "softmax": (lambda a: ember.softmax(a, -1), [(2, 5)]),
    "norm_dim": (lambda a: a.norm(dim=1), [(3, 4)]),
    "std": (lambda a: a.std(0), [(4, 3)]),
    "index": (lambda a: a[[0, 2, 2]] * a[1], [(3, 2)]),
    "setitem": (lambda a, b: _setitem(a, b), [(3, 4), (4,)]),
    "einsum_diag": (lambda a: ember.einsum("ii->i", a), [(3, 3)]),
    "pow_div": (lambda a, b: (a.abs() + 1) ** b / (b * b + 1), [(3,), (3,)]),
    "max_dim": (lambda a: a.max(1)[0], [(3, 4)]),
    "prod": (lambda a: a.prod(1), [(2, 3)]),
}


def _setitem(a, b):
    y = a * 1
    y[1] = b
    y[:, 0] = y[:, 0] * 2
    return y


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck_and_gradgradcheck(name):
    fn, shapes = GRADCHECK[name]
    inputs = [ember.tensor(randn(*s, seed=i), requires_grad=True) for i, s in enumerate(shapes)]
    assert ember.autograd.gradcheck(fn, inputs)
    if name not in ("prod",):
        assert ember.autograd.gradgradcheck(fn, inputs)


def test_gradcheck_catches_a_wrong_backward():
    class WrongExp(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.exp() * 1.01

    x = ember.tensor(randn(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(WrongExp.apply, (x,))
    assert ember.autograd.gradcheck(WrongExp.apply, (x,), raise_exception=False) is False

"""User-defined autograd.Function against PyTorch: ctx API, gradients, names, non-differentiable outputs."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn


def _functions(lib):
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class ScaledMul(lib.autograd.Function):
        """Tensors and a plain number as inputs; records needs_input_grad."""

        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            ctx.seen_needs = ctx.needs_input_grad
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g * b * ctx.scale if ctx.needs_input_grad[0] else None
            gb = g * a * ctx.scale if ctx.needs_input_grad[1] else None
            return ga, gb, None

    class SortWithIndex(lib.autograd.Function):
        """Two outputs, one of them marked non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort() if hasattr(x, "sort") and lib is torch else _sort(lib, x)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            ctx.n = x.shape[0]
            return values, idx

        @staticmethod
        def backward(ctx, g_values, g_idx):
            (idx,) = ctx.saved_tensors
            return lib.zeros(ctx.n, dtype=g_values.dtype).scatter(0, idx, g_values)

    return Exp, ScaledMul, SortWithIndex


def _sort(lib, x):
    order = np.argsort(x.detach().numpy(), kind="stable")
    return x[lib.tensor(order)], lib.tensor(order)


def test_save_for_backward_and_gradient():
    check(lambda m, x: _functions(m)[0].apply(x) * 2, randn(3, 4))


def test_custom_function_is_differentiable_twice():
    check(lambda m, x: m.autograd.grad(_functions(m)[0].apply(x).sum(), x, create_graph=True)[0], randn(3))


@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)], ids=str)
def test_needs_input_grad_and_non_tensor_args(grads):
    for lib in (ember, torch):
        a = lib.tensor(randn(3), requires_grad=grads[0])
        b = lib.tensor(randn(3, seed=1), requires_grad=grads[1])
        out = _functions(lib)[1].apply(a, b, 2.5)
        assert out.grad_fn.needs_input_grad == (grads[0], grads[1], False)
    check(lambda m, a, b: _functions(m)[1].apply(a, b, 2.5), randn(3), randn(3, seed=1))


def test_grad_fn_name_and_next_functions():
    x = ember.ones(2, requires_grad=True)
    y = _functions(ember)[0].apply(x)
    t = _functions(torch)[0].apply(torch.ones(2, requires_grad=True))
    assert y.grad_fn.name() == type(t.grad_fn).__name__ == "ExpBackward"
    assert y.grad_fn.next_functions[0][0].variable is x
    assert repr(y).split(", grad_fn")[1] == repr(t).split(", grad_fn")[1]


def test_mark_non_differentiable():
    for lib in (ember, torch):
        x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
        values, idx = _functions(lib)[2].apply(x)
        assert values.requires_grad and not idx.requires_grad
        (values * lib.tensor([1.0, 10.0, 100.0])).sum().backward()
        assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_no_recording_without_grad():
    x = ember.ones(2)
    assert _functions(ember)[0].apply(x).grad_fn is None
    with ember.no_grad():
        assert _functions(ember)[0].apply(ember.ones(2, requires_grad=True)).grad_fn is None


def test_forward_runs_without_recording():
    class Peek(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.inner = (x * 2).requires_grad
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ember.ones(1, requires_grad=True)
    y = Peek.apply(x)
    assert y.grad_fn.inner is False and y.grad_fn.name() == "PeekBackward"


def test_saved_tensors_freed_after_backward():
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        y = _functions(lib)[0].apply(x)
        y.sum().backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.grad_fn.saved_tensors


def test_modified_saved_tensor_is_detected():
    msgs = []
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        a = lib.ones(2)
        y = _functions(lib)[1].apply(x, a, 1.0)
        a.add_(1)
        with pytest.raises(RuntimeError) as err:
            y.sum().backward()
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1].replace("torch", "ember")


def test_wrong_number_of_gradients():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(ember.ones(1, requires_grad=True), ember.ones(1)).sum().backward()


def test_once_differentiable():
    class Square(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ember.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    x = ember.tensor([3.0], requires_grad=True)
    (g,) = ember.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [6.0] and not g.requires_grad


def test_set_materialize_grads():
    class Two(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is None
            return g1

    x = ember.ones(2, requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_mark_dirty_inplace_function():
    for lib in (ember, torch):
        class AddOne(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        x = lib.ones(2, requires_grad=True)
        y = x * 1
        z = AddOne.apply(y)
        assert z is y and y.tolist() == [2.0, 2.0]
        (z * 3).sum().backward()
        assert_close(x.grad, torch.full((2,), 3.0)) if lib is ember else None

"""grad_fn names equal PyTorch's for every op (what ``repr`` shows and what tutorials print)."""
import pytest
import torch

import ember

EXPRS = [
    "x.sum()", "x.sum(0)", "x.mean()", "x.mean(0)", "x.prod()", "x.prod(0)", "x.max()", "x.max(0)[0]", "x.min()",
    "x.min(0)[0]", "x.amax(0)", "x.amin(0)", "x.amax()", "x.var()", "x.var(0)", "x.std()", "x.std(0)",
    "x.logsumexp(0)", "x.norm()", "x.norm(p=1)", "x.norm(dim=(0, 1))", "x.norm(p=float('inf'))", "x.cumsum(0)",
    "x.softmax(0)", "x.log_softmax(0)", "m.max(x, x)", "m.maximum(x, x)", "m.minimum(x, x)", "x.clamp(0, 1)",
    "m.where(x > 0, x, 0.0)", "x[0]", "x[:, 1]", "x[None]", "x[[0, 1]]", "x[x > 0]", "x[..., None]", "x[0, 1]",
    "x[1:]", "x[0, 1:]", "x[:]", "x.view(12)", "x.reshape(12)", "x.t().reshape(12)", "x.flatten()",
    "x.unflatten(1, (2, 2))", "x.squeeze()", "x.squeeze(0)", "x.unsqueeze(0)", "x.permute(1, 0)",
    "x.transpose(0, 1)", "x.t()", "x.T", "x.mT", "x.t().contiguous()", "x.expand(2, 3, 4)", "x.repeat(2, 1)",
    "x.flip(0)", "x.roll(1, 0)", "x.narrow(0, 0, 2)", "m.cat([x, x])", "m.stack([x, x])", "x.split(2)[0]",
    "x.split([1, 2])[0]", "x.chunk(2)[0]", "x.float()", "x.to(m.float32)", "x.clone()",
    "x.gather(0, m.zeros(1, 4, dtype=m.long))", "x.scatter(0, m.zeros(1, 4, dtype=m.long), x)",
    "x.scatter_add(0, m.zeros(1, 4, dtype=m.long), x)", "x.scatter(0, m.zeros(1, 4, dtype=m.long), 1.0)",
    "x.index_select(0, m.tensor([0]))", "x.masked_fill(x > 0, 0.0)", "x.masked_select(x > 0)", "x @ x.t()",
    "m.mm(x, x.t())", "x.unsqueeze(0).bmm(x.t().unsqueeze(0))", "x[0].dot(x[0])", "x.mv(x[0])",
    "m.outer(x[0], x[0])", "m.addmm(x, x, m.eye(4, dtype=m.float64))", "x + x", "x + 1", "x - x", "x * x",
    "x * 2", "x / x", "x / 2", "x ** 2", "x ** x", "2 ** x", "x % 2", "-x", "x.abs()", "x.sign()", "x.exp()",
    "x.relu()", "x.sigmoid()", "x.tanh()", "x.rsqrt()", "x.log1p()", "x.expm1()", "x.square()", "x.sqrt()",
    "x.pow(2)", "x.pow(x)", "m.pow(2.0, x)", "x.floor()", "x.round()", "x.erf()", "x.matmul(x[0])",
    "x[0].matmul(x.t())", "x.unsqueeze(0).matmul(x.t())", "x[0] @ x[0]", "x.reciprocal()", "x.exp2()",
    "x.frac()", "x.trunc()", "x.log()", "x.sin()", "x.cos()", "x.tan()", "x.atan()", "x.asin()", "x.sinh()",
    "x.cosh()", "x.log2()", "x.log10()", "x.ceil()", "x.where(x > 0, x)", "x.type(m.float32)", "x.sub(x, alpha=2)",
    "m.add(x, x, alpha=2)", "x.unsqueeze(0).expand(2, 3, 4).sum(0)", "x.view(2, 6).unbind(0)[0]",
    "x.sort(1)[0]", "x.topk(2)[0]", "x.tril()", "x.triu(1)", "x.clamp(min=0)", "x.clamp(max=0)", "x.select(0, 1)",
    "x.clamp_min(0)", "x.clamp_max(0.5)",
    "x[m.tensor(1)]", "x[..., 1:]", "x[1:, None]", "x[:, :]", "x[True]",
    "x.mean((0, 1))", "x.mean(-1, keepdim=True)", "x.mean(())", "x.norm(2, 1)", "m.norm(x, 2, 1)", "x.norm(dim=1)",
    "x.flatten(1)", "(x * 1).flatten(0, 0)", "m.nn.functional.pairwise_distance(x, x + 1)",
    "m.nn.functional.adaptive_avg_pool2d(x[None], 1)", "m.nn.functional.cross_entropy(x, m.tensor([0, 1, 2]))",
]


@pytest.mark.parametrize("expr", EXPRS)
def test_grad_fn_name(expr):
    names = []
    for lib in (ember, torch):
        x = lib.tensor([[0.5, -1.0, 2.0, 0.3], [1.5, 0.2, -0.7, 1.1], [0.9, -0.4, 0.6, -2.0]], dtype=lib.float64,
                       requires_grad=True)
        out = eval(expr, {"x": x, "m": lib})
        names.append(None if out.grad_fn is None else out.grad_fn.name() if lib is ember else
                     type(out.grad_fn).__name__)
    assert names[0] == names[1]


def _name(lib, node) -> str:
    return node.name() if lib is ember else type(node).__name__


def test_accumulate_grad_and_inplace_names():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        y = x * 1
        y.add_(1)
        assert _name(lib, y.grad_fn) == "AddBackward0"
        z = x * 1
        z[0] = 5.0
        assert _name(lib, z.grad_fn) == "CopySlices"
        assert _name(lib, (x * 2).grad_fn.next_functions[0][0]) == "AccumulateGrad"

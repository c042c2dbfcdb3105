"""The top-level names added for PyTorch programs, each against PyTorch: in-place functions, the *_copy functions,
windows, settings and build queries, constants, autocast switches, the int-enum loss forms, recurrent cells and
layers, grid_sampler, convolution, LU helpers, integration, and the eager forms of compile/cond/sym_*."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn


def _same(expr: str, **names):
    """``expr`` evaluated with ``lib`` as torch and as ember: equal tensors (values and dtype) or equal reprs."""
    results = []
    for lib in (torch, ember):
        scope = {"lib": lib, "np": np, **{k: (v(lib) if callable(v) else v) for k, v in names.items()}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                results.append(("value", eval(expr, scope)))
            except Exception as e:
                results.append(("raised", type(e).__name__, str(e).replace("torch", "ember")))
    (kind_t, *t), (kind_e, *e) = results
    assert kind_t == kind_e, (t, e)
    if kind_t == "raised":
        assert t == e
        return
    _compare(e[0], t[0])


def _compare(e, t):
    if isinstance(t, torch.Tensor):
        assert_close(e, t)
    elif isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _compare(a, b)
    else:
        assert str(e).replace("ember", "torch") == str(t)


X = lambda lib: lib.tensor(np.linspace(-0.9, 0.9, 12).reshape(3, 4))  # noqa: E731

IN_PLACE = ["abs_", "acos_", "asin_", "atan_", "atanh_", "ceil_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp_",
            "exp2_", "expm1_", "fix_", "floor_", "frac_", "i0_", "log1p_", "neg_", "negative_", "rad2deg_", "sigmoid_",
            "sin_", "sinc_", "sinh_", "square_", "tan_", "tanh_", "trunc_", "zero_", "arccos_", "arcsin_", "arctan_",
            "arctanh_", "asinh_", "arcsinh_", "logit_", "nan_to_num_", "detach_"]


@pytest.mark.parametrize("name", IN_PLACE)
def test_top_level_in_place(name):
    _same(f"(lambda t: (lib.{name}(t), t))(x.clone())", x=X)


@pytest.mark.parametrize("expr", [
    "lib.clamp_(x.clone(), -0.5, 0.5)", "lib.clamp_min_(x.clone(), 0.1)", "lib.clamp_max_(x.clone(), 0.1)",
    "lib.fill_(x.clone(), 2.0)", "lib.xlogy_(x.abs(), x.abs() + 1)", "lib.ldexp_(x.clone(), lib.ones(3, 4))",
    "lib.gcd_(lib.tensor([12, 18]), lib.tensor([8, 12]))", "lib.lcm_(lib.tensor([4, 6]), lib.tensor([6, 4]))",
    "lib.log_(x.abs() + 1)", "lib.log2_(x.abs() + 1)", "lib.log10_(x.abs() + 1)", "lib.sqrt_(x.abs())",
    "lib.rsqrt_(x.abs() + 1)", "lib.reciprocal_(x + 2)", "lib.acosh_(x.abs() + 1)", "lib.arccosh_(x.abs() + 1)",
    "lib.addmv_(lib.zeros(3, dtype=lib.float64), x, lib.ones(4, dtype=lib.float64))",
    "lib.index_put_(x.clone(), (lib.tensor([0, 2]),), lib.tensor(5.0, dtype=lib.float64))",
    "lib.resize_as_(x.clone(), lib.zeros(12)).shape",
    "lib.is_conj(x)", "lib.is_neg(x)", "lib.is_nonzero(lib.tensor([3]))", "lib.is_same_size(x, x.T)",
    "lib.is_signed(x)", "lib.is_inference(x)", "lib.resolve_neg(x)", "lib.get_device(x)",
])
def test_top_level_forms_of_methods(expr):
    _same(expr, x=X)


@pytest.mark.parametrize("expr", [
    "lib.alias_copy(x)", "lib.detach_copy(x)", "lib.diagonal_copy(x, 1)", "lib.expand_copy(x[:1], (2, 4))",
    "lib.narrow_copy(x, 1, 1, 2)", "lib.permute_copy(x, (1, 0))", "lib.select_copy(x, 1, 2)",
    "lib.slice_copy(x, 1, 1, 4, 2)", "lib.split_copy(x, 2, 1)", "lib.split_with_sizes_copy(x, [1, 3], 1)",
    "lib.squeeze_copy(x[:1])", "lib.t_copy(x)", "lib.transpose_copy(x, 0, 1)", "lib.unbind_copy(x, 1)",
    "lib.unfold_copy(x, 1, 2, 1)", "lib.unsqueeze_copy(x, 0)", "lib.view_copy(x, (4, 3))",
    "lib.view_as_real_copy(lib.complex(x, x))", "lib.view_as_complex_copy(x.reshape(6, 2))",
])
def test_copies(expr):
    _same(expr, x=X)


def test_copies_own_their_data_and_carry_gradients():
    check(lambda lib, a: lib.transpose_copy(a, 0, 1) * 2, randn(3, 4))
    out = ember.t_copy(x := ember.ones(2, 3))
    out[0, 0] = 5.0
    assert x[0, 0].item() == 1.0


@pytest.mark.parametrize("expr", [
    "lib.hann_window(8)", "lib.hann_window(8, False)", "lib.hamming_window(7, True, 0.5, 0.5)",
    "lib.bartlett_window(6)", "lib.blackman_window(9, False, dtype=lib.float64)", "lib.kaiser_window(7)",
    "lib.kaiser_window(6, False, 5.0)", "lib.hann_window(1)", "lib.hann_window(0)", "lib.hann_window(-1)",
])
def test_windows(expr):
    _same(expr)


@pytest.mark.parametrize("expr", [
    "lib.pi", "lib.e", "lib.inf", "lib.nan != lib.nan", "lib.newaxis",
    "(lib.use_deterministic_algorithms(True, warn_only=True), lib.are_deterministic_algorithms_enabled(),"
    " lib.is_deterministic_algorithms_warn_only_enabled(), lib.get_deterministic_debug_mode(),"
    " lib.use_deterministic_algorithms(False))",
    "(lib.set_deterministic_debug_mode('error'), lib.get_deterministic_debug_mode(),"
    " lib.set_deterministic_debug_mode(0))", "lib.set_deterministic_debug_mode('x')",
    "(lib.set_float32_matmul_precision('medium'), lib.get_float32_matmul_precision(),"
    " lib.set_float32_matmul_precision('highest'))",
    "(lib.set_warn_always(True), lib.is_warn_always_enabled(), lib.set_warn_always(False))",
    "lib.is_vulkan_available()", "lib.has_lapack", "lib.has_spectral", "lib.init_num_threads()",
    "lib.typename(lib.zeros(1))", "lib.typename(1)", "lib.typename(lib.nn.Linear(1, 1))", "lib.is_storage(1)",
    "(lib.set_anomaly_enabled(True), lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled(),"
    " lib.set_anomaly_enabled(False))",
    "(lambda m: (m.__enter__(), lib.is_inference_mode_enabled(), m.__exit__(None, None, None),"
    " lib.is_inference_mode_enabled()))(lib.inference_mode())",
    "lib.get_device_module('cpu').is_available()", "lib.get_device_module('cuda').is_available()",
    "lib.set_default_tensor_type(lib.LongTensor)",
    "(lib.set_autocast_enabled('cpu', True), lib.is_autocast_enabled('cpu'), lib.is_autocast_cpu_enabled(),"
    " lib.set_autocast_cpu_enabled(False), lib.is_autocast_enabled('cpu'))",
    "(lib.autocast_increment_nesting(), lib.autocast_decrement_nesting())", "lib.is_autocast_cache_enabled()",
    "lib.clear_autocast_cache()", "lib.get_autocast_gpu_dtype()", "lib.is_autocast_ipu_enabled()",
    "lib.compile(lambda v: v + 1)(2)", "lib.compile(mode='reduce-overhead')(lambda v: v * 3)(2)", "lib.cond(lib.tensor(True), lambda a: a + 1, "
    "lambda a: a - 1, (lib.ones(2),))", "lib.cond(False, lambda a: a + 1, lambda a: a - 1, (lib.ones(2),))",
    "(lib.sym_int(3.7), lib.sym_float(2), lib.sym_max(2, 5), lib.sym_min(2, 5), lib.sym_not(True),"
    " lib.sym_sqrt(4.0), lib.sym_sum([1, 2, 3]), lib.sym_ite(True, 'a', 'b'))",
    "lib.channels_last", "lib.contiguous_format", "lib.preserve_format", "lib.channels_last_3d",
    "lib.frexp(lib.tensor([1., 3., 0.5, -8.]))", "lib.rsub(lib.tensor([1., 2.]), 5, alpha=2)",
    "lib.rsub(lib.tensor([1, 2]), lib.tensor([3, 4]))", "lib.range(0, 3)", "lib.range(1, 2, 0.5)",
    "lib.scalar_tensor(3)", "lib.scalar_tensor(3, dtype=lib.int64)", "lib.fill(lib.zeros(2, dtype=lib.int64), 3.7)",
    "lib.unravel_index(lib.tensor([4, 1, 5]), (2, 3))", "lib.nonzero_static(lib.tensor([0, 1, 0, 2]), size=3)",
    "lib.nonzero_static(lib.tensor([[0, 1], [1, 1]]), size=2, fill_value=-5)",
    "lib.empty_strided((2, 3), (1, 2)).stride()", "lib.empty_permuted((2, 3, 4), (0, 2, 1)).stride()",
])
def test_settings_constants_and_small_functions(expr):
    _same(expr)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_integration(dtype):
    y, x = randn(3, 5, dtype=dtype), np.cumsum(np.abs(randn(5, seed=1)) + 0.1).astype(dtype)
    for fn in ("trapezoid", "trapz", "cumulative_trapezoid"):
        check(lambda lib, a: getattr(lib, fn)(a), y)
        check(lambda lib, a: getattr(lib, fn)(a, dx=0.5, dim=0), y)
        check(lambda lib, a, b: getattr(lib, fn)(a, b), y, x)


@pytest.mark.parametrize("expr", [
    "lib.kl_div(a.log_softmax(1), b.softmax(1), 2)", "lib.kl_div(a, b, 0, log_target=True)",
    "lib.binary_cross_entropy_with_logits(a, b.sigmoid(), None, None, 1)",
    "lib.cosine_embedding_loss(a, b, lib.tensor([1., -1., 1.], dtype=lib.float64), 0.1, 2)",
    "lib.hinge_embedding_loss(a, b.sign(), 1.0, 0)", "lib.margin_ranking_loss(a, b, b.sign(), 0.2, 1)",
    "lib.poisson_nll_loss(a, b.abs(), True, False, 1e-8, 1)", "lib.triplet_margin_loss(a, b, a * b, 1.0, 2, 1e-6, False, 1)",
    "lib.constant_pad_nd(a, (1, 2), 3.0)", "lib.feature_dropout(a, 0.5, False)",
])
def test_top_level_loss_and_pad_forms(expr):
    check(lambda lib, a, b: eval(expr, {"lib": lib, "a": a, "b": b}), randn(3, 4), randn(3, 4, seed=1))


def test_cells_layers_and_convolution():
    x, h, c = randn(2, 3), randn(2, 4, seed=1), randn(2, 4, seed=2)
    w_ih, w_hh, b = randn(16, 3, seed=3), randn(16, 4, seed=4), randn(16, seed=5)
    check(lambda lib, *t: lib.lstm_cell(t[0], (t[1], t[2]), *t[3:]), x, h, c, w_ih, w_hh, b, b)
    check(lambda lib, *t: lib.gru_cell(t[0], t[1], *t[2:]), x, h, randn(12, 3), randn(12, 4), randn(12), randn(12))
    for cell in ("rnn_tanh_cell", "rnn_relu_cell"):
        check(lambda lib, *t: getattr(lib, cell)(*t), x, h, randn(4, 3), randn(4, 4), randn(4), randn(4))
    seq = randn(5, 2, 3)
    params = [w_ih, w_hh, b, b]
    check(lambda lib, s, h0, c0, *p: lib.lstm(s, (h0, c0), p, True, 1, 0.0, False, False, False),
          seq, h[None], c[None], *params)
    check(lambda lib, s, h0, *p: lib.gru(s.transpose(0, 1), h0, p, True, 1, 0.0, False, False, True),
          seq, h[None], randn(12, 3), randn(12, 4), randn(12), randn(12))
    check(lambda lib, a, w, bias: lib.convolution(a, w, bias, (1, 1), (1, 1), (1, 1), False, (0, 0), 1),
          randn(1, 2, 5, 5), randn(3, 2, 3, 3, seed=1), randn(3, seed=2))
    check(lambda lib, a, w: lib.convolution(a, w, None, (2,), (1,), (1,), True, (1,), 1),
          randn(1, 2, 5), randn(2, 3, 3, seed=1))


def test_grid_sampler_forms_and_lu_helpers():
    x, grid = randn(1, 2, 4, 5), np.random.default_rng(0).uniform(-1, 1, (1, 3, 3, 2))
    for mode, pad in ((0, 0), (1, 1), (0, 2)):
        check(lambda lib, a, g: lib.grid_sampler(a, g, mode, pad, False), x, grid)
        check(lambda lib, a, g: lib.grid_sampler_2d(a, g, mode, pad, True), x, grid)
    check(lambda lib, t: lib.affine_grid_generator(t, (1, 2, 3, 4), False), randn(1, 2, 3))
    a = randn(4, 4) + 4 * np.eye(4)
    LU, piv = (ember.tensor(v.numpy()) for v in torch.linalg.lu_factor(torch.tensor(a)))
    t_lu = torch.linalg.lu_factor(torch.tensor(a))
    for e, t in zip(ember.lu_unpack(LU, piv), torch.lu_unpack(*t_lu)):
        assert_close(e, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(ember.lu_solve(ember.tensor(a[:, :2]), LU, piv), torch.lu_solve(torch.tensor(a[:, :2]), *t_lu))
        check(lambda lib, m: lib.nuclear_norm(m), a)
        check(lambda lib, m: lib.frobenius_norm(m, (0, 1)), a)

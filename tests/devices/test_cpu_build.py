"""ember's device APIs answer as PyTorch's CPU wheel: the same values, the same exception types and messages."""
import warnings

import pytest
import torch

import ember

# each expression runs with ``lib`` bound to torch and to ember
EXPRESSIONS = [
    "lib.cuda.is_available()", "lib.cuda.device_count()", "lib.cuda.is_initialized()", "lib.cuda.current_device()",
    "lib.cuda.synchronize()", "lib.cuda.manual_seed(0)", "lib.cuda.manual_seed_all(0)", "lib.cuda.seed()",
    "lib.cuda.seed_all()", "lib.cuda.empty_cache()", "lib.cuda.get_device_name()", "lib.cuda.get_device_name(0)",
    "lib.cuda.get_device_properties(0)", "lib.cuda.get_device_capability()", "lib.cuda.memory_allocated()",
    "lib.cuda.max_memory_allocated()", "lib.cuda.memory_reserved()", "lib.cuda.max_memory_reserved()",
    "lib.cuda.is_bf16_supported()", "lib.cuda.get_rng_state()", "lib.cuda.initial_seed()", "lib.cuda.init()",
    "lib.cuda.get_arch_list()", "lib.cuda.memory_stats()", "lib.cuda.mem_get_info()", "lib.cuda.set_device(-1)",
    "lib.cuda.set_device('cpu')", "lib.cuda.get_rng_state_all()", "lib.cuda.Stream()", "lib.cuda.Event()",
    "lib.cuda.device(-1).__enter__()", "lib.cuda.device(0).__enter__()", "lib.cuda.stream(None).__enter__()",
    "lib.cuda.device_of(lib.zeros(1)).__enter__()", "lib.cuda.default_generators",
    "lib.accelerator.is_available()", "lib.accelerator.current_accelerator()", "lib.accelerator.device_count()",
    "lib.accelerator.current_accelerator(check_available=True)", "lib.accelerator.current_device_index()",
    "lib.accelerator.set_device_index(0)", "lib.accelerator.synchronize()", "lib.accelerator.empty_cache()",
    "lib.accelerator.device_index(None).__enter__()", "lib.accelerator.device_index(0).__enter__()",
    "lib.backends.cudnn.is_available()", "lib.backends.cudnn.version()", "lib.backends.cudnn.enabled",
    "lib.backends.cudnn.benchmark", "lib.backends.cudnn.deterministic", "lib.backends.cudnn.allow_tf32",
    "lib.backends.cudnn.benchmark_limit", "lib.backends.cudnn.is_acceptable(lib.zeros(1))",
    "lib.backends.mps.is_available()", "lib.backends.mps.is_built()", "lib.backends.mps.is_macos_or_newer(13, 0)",
    "lib.backends.cuda.is_built()", "lib.backends.cuda.matmul.allow_tf32", "lib.backends.cuda.flash_sdp_enabled()",
    "lib.backends.cuda.matmul.allow_fp16_reduced_precision_reduction", "lib.backends.mkldnn.enabled",
    "lib.mps.is_available()", "lib.mps.device_count()", "lib.mps.manual_seed(0)", "lib.mps.synchronize()",
    "lib.mps.empty_cache()", "lib.mps.current_allocated_memory()", "lib.mps.get_rng_state()", "lib.mps.seed()",
    "lib.xpu.is_available()", "lib.xpu.device_count()", "lib.xpu.manual_seed(0)", "lib.xpu.synchronize()",
    "lib.xpu.empty_cache()", "lib.xpu.memory_allocated()", "lib.xpu.current_device()", "lib.xpu.get_rng_state()",
    "lib.xpu.is_bf16_supported()",
    "lib.zeros(1).cuda()", "lib.zeros(1).xpu()", "lib.zeros(1).to('cuda')", "lib.zeros(1).to('cuda:1')",
    "lib.zeros(1).to(lib.device('cuda:0'))", "lib.zeros(1).to('mps')", "lib.zeros(1).to('xpu')",
    "lib.zeros(1, device='cuda')", "lib.randn(2, device='xpu')", "lib.tensor([1.0], device='mps')",
    "lib.as_tensor([1.0], device='mps')",
    "lib.zeros(1).is_cuda", "lib.zeros(1).is_xpu", "lib.zeros(1).is_mps", "lib.zeros(1).is_meta",
    "lib.zeros(1).is_cpu", "lib.zeros(1).get_device()", "lib.zeros(1).is_pinned()", "lib.zeros(1).pin_memory()",
    "lib.zeros(1).device", "lib.zeros(1, device='cpu:0').device",
    "lib.nn.Linear(2, 2).cuda()", "lib.nn.Linear(2, 2).to('cuda')", "lib.nn.Linear(2, 2).to('mps')",
    "str(lib.nn.Linear(2, 2).to(lib.device('cpu')))",
    "lib.device('cuda:0')", "lib.device('cuda', 1)", "lib.device('xpu')", "lib.device('mps:0')", "lib.device(0)",
    "lib.device('foo')", "lib.device('CUDA')", "lib.device(' cuda')", "lib.device('cuda:-1')", "lib.device('cuda:x')",
    "lib.device('cuda:01')", "lib.device('cuda:')", "lib.device('')", "lib.device('cuda:0', 1)",
    "lib.device('cpu', -1)", "lib.device(lib.device('cuda:1'))", "lib.device(type='cuda', index=3)",
    "lib.device('cuda:0').type", "lib.device('cuda:0').index", "str(lib.device('cuda:2'))",
    "lib.device('cuda', 0) == lib.device('cuda:0')", "lib.device('cpu') == 'cpu'", "lib.device('cuda') == 'cuda:0'",
    "lib.amp.GradScaler().is_enabled()", "lib.amp.GradScaler('cpu').is_enabled()",
    "lib.amp.GradScaler('cuda', enabled=False).get_scale()", "lib.amp.GradScaler('cpu').get_scale()",
    "lib.amp.GradScaler('cpu').state_dict()", "lib.amp.GradScaler().state_dict()",
    "lib.amp.GradScaler('cpu').scale(3.0)", "lib.amp.GradScaler('cpu').step(lib.optim.SGD([lib.zeros(1)], lr=1))",
    "lib.cuda.amp.GradScaler().is_enabled()", "lib.is_autocast_enabled()", "lib.is_autocast_enabled('cpu')",
    "lib.amp.is_autocast_available('cpu')", "lib.amp.is_autocast_available('cuda')",
    "lib.autocast(0)", "lib.autocast('foo')",
    "lib.nn.Linear(2, 2).xpu()",
    "lib.cpu.is_available()", "lib.cpu.is_initialized()", "lib.cpu.device_count()", "lib.cpu.current_device()",
    "lib.cpu.set_device('cpu')", "lib.cpu.synchronize()", "lib.cpu.current_stream().wait_stream(lib.cpu.Stream())",
    "lib.cpu.Stream().record_event()", "lib.cpu.Event().synchronize()", "lib.cpu.Event().query()", "lib.cpu.stream(lib.cpu.Stream()).__enter__()",
    "lib.cpu.amp.GradScaler().is_enabled()", "lib.cpu.amp.autocast().device",
]


def _run(lib, expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = eval(expr, {"lib": lib})
        except Exception as e:
            return "raised", type(e), str(e)
    if isinstance(value, (lib.device, lib.Tensor)) or value is None or isinstance(value, (bool, int, float, str)):
        return "value", repr(value)
    return "value", type(value).__name__, repr(value) if isinstance(value, (dict, list, tuple)) else ""


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_answers_as_the_cpu_wheel(expr):
    assert _run(ember, expr) == _run(torch, expr)


def test_set_device_raises_the_cuda_error():
    # PyTorch's CPU wheel fails here on a missing internal function (AttributeError: torch._C._cuda_setDevice);
    # ember raises the error every other CUDA call gives
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        ember.cuda.set_device(0)
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        ember.cuda.set_device("cuda:0")


@pytest.mark.parametrize("name", ["mkldnn", "mkl", "openmp"])
def test_backends_ember_lacks_say_so(name):
    assert getattr(ember.backends, name).is_available() is False


def test_flags_keep_what_is_assigned_and_flags_blocks_restore():
    cudnn = ember.backends.cudnn
    cudnn.benchmark = True
    try:
        with cudnn.flags(enabled=False, deterministic=True):
            assert (cudnn.enabled, cudnn.deterministic, cudnn.benchmark) == (False, True, False)
        assert (cudnn.enabled, cudnn.deterministic, cudnn.benchmark) == (True, False, True)
    finally:
        cudnn.benchmark = False


def test_disabled_paths_warn_as_pytorch():
    with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
        ember.amp.autocast("cuda")
    with pytest.warns(UserWarning, match="GradScaler is enabled, but CUDA is not available.  Disabling."):
        ember.amp.GradScaler()
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.autocast\(args...\)` is deprecated"):
        ember.cuda.amp.autocast()
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtypes of torch.bfloat16, torch.float16"):
        ember.autocast("cpu", dtype=ember.float64)


@pytest.mark.parametrize("factory", ["zeros(2, device='mps')", "ones(2, device='mps')", "randn(2, device='mps')"])
def test_factories_on_mps_fail_in_the_dispatcher_as_torch_does(factory):
    errors = []
    for lib in (ember, torch):
        with pytest.raises(NotImplementedError) as info:
            eval(f"lib.{factory}", {"lib": lib})
        errors.append(str(info.value))
    prefix = "Could not run 'aten::empty.memory_format' with arguments from the 'MPS' backend"
    assert errors[0].startswith(prefix) and errors[1].startswith(prefix)

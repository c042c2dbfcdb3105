"""Run one seed-tutorial example with ``torch`` and with ``ember`` and compare what it prints and returns.

An example is written once, as close to the tutorial's text as possible::

    def example(torch, nn, F, optim, share):
        net = share(Net())             # torch's initial weights are loaded into ember's twin
        x = torch.randn(1, 3, 32, 32)  # the same numbers in both runs
        print(net(x))
        return {"out": ...}

``torch`` is the library under test behind a thin proxy whose random factories (``randn``, ``rand``, ``randint``)
draw from one seeded NumPy stream, so both runs see the same data. ``share(module)`` records torch's
``state_dict`` on the torch run and loads it into the ember module on the ember run (through NumPy). The printed
text must agree (torch's ``torch.Size`` reads ``ember.Size``, object addresses are masked, numbers agree to the
printed precision); returned values are compared recursively (tensors by dtype, shape and value).
"""
from __future__ import annotations

import contextlib
import io
import re
import types

import numpy as np
import torch

import ember

F32 = dict(rtol=1e-4, atol=1e-5)
F64 = dict(rtol=1e-7, atol=1e-9)
SCALAR = dict(rtol=1e-5, atol=1e-6)  # Python floats: losses (float32 sums in a different order)
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class SharedRandom:
    """``lib`` with its random factories replaced by draws from a seeded NumPy stream (float32 like PyTorch's)."""

    def __init__(self, lib, seed: int) -> None:
        self._lib = lib
        self._rng = np.random.default_rng(seed)

    def __getattr__(self, name: str):
        return getattr(self._lib, name)

    def _make(self, arr: np.ndarray, dtype, requires_grad: bool):
        t = self._lib.tensor(arr)
        if dtype is not None:
            t = t.to(dtype)
        return t.requires_grad_() if requires_grad else t

    def randn(self, *size, dtype=None, requires_grad: bool = False):
        return self._make(self._rng.standard_normal(_shape(size)).astype(np.float32), dtype, requires_grad)

    def rand(self, *size, dtype=None, requires_grad: bool = False):
        return self._make(self._rng.random(_shape(size)).astype(np.float32), dtype, requires_grad)

    def randint(self, low, high=None, size=None, dtype=None):
        low, high = (0, low) if high is None else (low, high)
        return self._make(self._rng.integers(low, high, tuple(size)).astype(np.int64), dtype, False)


def _shape(size: tuple) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


class Share:
    """``share(module)``: torch run -> remember its state_dict; ember run -> load the remembered one."""

    def __init__(self) -> None:
        self.states: list = []
        self.lib = torch
        self._next = 0

    def __call__(self, module):
        if self.lib is torch:
            self.states.append({k: v.detach().numpy().copy() for k, v in module.state_dict().items()})
        else:
            state = self.states[self._next]
            self._next += 1
            module.load_state_dict({k: ember.tensor(v) for k, v in state.items()})
        return module


class Raised(tuple):
    """(exception type name, message) of an error an example provoked on purpose.

    Two agree when the types are equal and ember's message contains torch's (ember may name the layer first).
    """

    def __new__(cls, error: Exception):
        return super().__new__(cls, (type(error).__name__, str(error)))

    def agrees_with(self, torch_error: "Raised") -> bool:
        message = torch_error[1]
        return self[0] == torch_error[0] and self[1] in (message, message.replace("torch", "ember"))


def error_of(fn) -> Raised | None:
    """The error ``fn()`` raises (as a ``Raised``), or None when it returns."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (the type is what is compared)
        return Raised(e)
    return None


def run(example, seed: int = 0, **kwargs) -> dict:
    """Run ``example`` with torch, then with ember; return {lib name: (returned value, printed text)}."""
    share = Share()
    results = {}
    for lib in (torch, ember):
        share.lib = lib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            ret = example(SharedRandom(lib, seed), lib.nn, lib.nn.functional, lib.optim, share, **kwargs)
        results[lib.__name__] = (ret, buf.getvalue())
    return results


def compare(example, seed: int = 0, tol: dict | None = None, print_tol: float = 1.5e-4, **kwargs):
    """Run ``example`` on both libraries, assert the prints and the returned values agree; return ember's pair."""
    results = run(example, seed, **kwargs)
    (t_ret, t_out), (e_ret, e_out) = results["torch"], results["ember"]
    assert_same_print(e_out, t_out, print_tol)
    assert_same(e_ret, t_ret, tol)
    return e_ret, e_out


def as_ember_print(text: str) -> str:
    """What ember prints where torch prints ``text``: its own module name in reprs, no object addresses."""
    return _ADDRESS.sub(" at 0x", text.replace("torch.Size", "ember.Size"))


def assert_same_print(ember_text: str, torch_text: str, tol: float = 1.5e-4) -> None:
    """Equal text outside numbers; numbers equal up to ``tol`` (relative and absolute) at the printed precision."""
    e, t = as_ember_print(ember_text), as_ember_print(torch_text)
    e_text, t_text = _NUMBER.split(e), _NUMBER.split(t)
    assert e_text == t_text, f"printed text differs:\n--- ember\n{e}\n--- torch\n{t}"
    e_num = np.array([float(x) for x in _NUMBER.findall(e)])
    t_num = np.array([float(x) for x in _NUMBER.findall(t)])
    np.testing.assert_allclose(e_num, t_num, rtol=tol, atol=tol,
                               err_msg=f"printed numbers differ:\n--- ember\n{e}\n--- torch\n{t}")


def assert_same(e, t, tol: dict | None = None, where: str = "result") -> None:
    """Recursive comparison of an ember result with torch's: tensors, sizes, containers, scalars, strings."""
    if isinstance(t, Raised):
        assert isinstance(e, Raised) and e.agrees_with(t), f"{where}: ember raised {e!r}, torch {t!r}"
    elif isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{where}: ember gave {type(e).__name__}, torch a tensor"
        a, b = e.detach().numpy(), t.detach().numpy()
        assert a.shape == b.shape, f"{where}: shape {a.shape} != torch's {b.shape}"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != torch's {b.dtype}"
        if a.dtype.kind in "biu":
            np.testing.assert_array_equal(a, b, err_msg=where)
        else:
            # the absolute tolerance scales with the array's magnitude: a gradient summed from terms of size 100
            # carries float32 rounding of about 1e-5 even where it cancels to nearly zero
            tol_ = dict(tol or (F64 if a.dtype == np.float64 else F32))
            finite = np.abs(b[np.isfinite(b)])
            tol_["atol"] *= max(1.0, float(finite.max()) if finite.size else 1.0)
            np.testing.assert_allclose(a, b, err_msg=where, equal_nan=True, **tol_)
        assert e.requires_grad == t.requires_grad, f"{where}: requires_grad {e.requires_grad} != {t.requires_grad}"
    elif isinstance(t, torch.Size):
        assert isinstance(e, ember.Size) and tuple(e) == tuple(t), f"{where}: {e!r} != {t!r}"
    elif isinstance(t, dict):
        assert isinstance(e, dict) and list(e) == list(t), f"{where}: keys {list(e)} != torch's {list(t)}"
        for k in t:
            assert_same(e[k], t[k], tol, f"{where}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert isinstance(e, (list, tuple)) and len(e) == len(t), f"{where}: {e!r} != torch's {t!r}"
        for i, (x, y) in enumerate(zip(e, t)):
            assert_same(x, y, tol, f"{where}[{i}]")
    elif isinstance(t, float):
        np.testing.assert_allclose(e, t, err_msg=where, **(tol or SCALAR))
    elif isinstance(t, str):
        # ember names itself where torch does ("module 'ember.nn' has no attribute ...", "ember.Size")
        assert e in (t, t.replace("torch", "ember")), f"{where}: {e!r} != torch's {t!r}"
    elif isinstance(t, type) or isinstance(t, types.ModuleType):
        assert e.__name__ == t.__name__, f"{where}: {e!r} != torch's {t!r}"
    else:
        assert e == t, f"{where}: {e!r} != torch's {t!r}"


def grads(module) -> dict:
    """name -> gradient of every parameter (None where there is none)."""
    return {n: p.grad for n, p in module.named_parameters()}


def params(module) -> dict:
    """name -> a detached copy of every parameter and buffer (the state after training steps)."""
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def fake_torchvision(lib, size: int):
    """A stand-in for ``torchvision`` where a seed loads CIFAR10 (the test split: 3x32x32 images, 10 classes).

    ember's run gets ``ember.vision`` with ``datasets.CIFAR10`` answered by ``FakeData`` (no download); torch's
    run gets a Dataset over the very same images, read from that FakeData through NumPy (torchvision is not
    installed here). ``transforms.ToTensor`` is ember's real one.
    """
    def cifar10(root, train=True, transform=None, target_transform=None, download=False):
        if lib is torch:
            return _TorchImages(_fake_cifar(size))
        return ember.vision.datasets.FakeData(size=size, image_size=(3, 32, 32), num_classes=10, transform=transform)

    transforms = ember.vision.transforms if lib is ember else types.SimpleNamespace(ToTensor=lambda: None)
    return types.SimpleNamespace(datasets=types.SimpleNamespace(CIFAR10=cifar10), transforms=transforms)


_CACHE: dict = {}


def _fake_cifar(size: int) -> list:
    if size not in _CACHE:
        ds = ember.vision.datasets.FakeData(size=size, image_size=(3, 32, 32), num_classes=10,
                                            transform=ember.vision.transforms.ToTensor())
        _CACHE[size] = [(img.numpy().copy(), label) for img, label in (ds[i] for i in range(size))]
    return _CACHE[size]


class _TorchImages(torch.utils.data.Dataset):
    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        img, label = self.items[i]
        return torch.from_numpy(img), label

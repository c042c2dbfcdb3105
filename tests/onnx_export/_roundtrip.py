"""Export with ember, check the file with ``onnx.checker`` (full check), run it with onnxruntime and compare with
ember's own forward."""
import io

import numpy as np
import pytest

import ember

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def export_bytes(model, inputs, **kwargs) -> bytes:
    buffer = io.BytesIO()
    ember.onnx.export(model, inputs, buffer, **kwargs)
    return buffer.getvalue()


def run_onnx(data: bytes, feeds: dict) -> list:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def check_roundtrip(model, inputs: tuple, rtol: float = 1e-5, atol: float = 1e-6, **kwargs) -> onnx.ModelProto:
    """Export ``model`` on ``inputs``; onnxruntime must give ember's outputs."""
    data = export_bytes(model, inputs, **kwargs)
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto, full_check=True)
    model.eval()
    with ember.no_grad():
        expected = model(*inputs)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    expected = [t for t in _flat(expected)]
    names = [i.name for i in proto.graph.input]
    feeds = {name: t.numpy() for name, t in zip(names, inputs)}
    got = run_onnx(data, feeds)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.numpy().dtype
        np.testing.assert_allclose(g, e.numpy(), rtol=rtol, atol=atol)
    return proto


def _flat(items):
    for t in items:
        if isinstance(t, (tuple, list)):
            yield from _flat(t)
        else:
            yield t

"""ember.onnx.export: the seed networks, PyTorch's names, the arguments, and bad input."""
import io
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import nn

from ._roundtrip import check_roundtrip, export_bytes, onnx, run_onnx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import workloads  # noqa: E402


def _x(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("build", [workloads.seed_lenet, workloads.seed_cifar_quick])
def test_seed_networks_with_a_symbolic_batch(build):
    model = build(ember)
    proto = check_roundtrip(model, (_x(2, 3, 32, 32),), input_names=["x"], output_names=["logits"],
                            dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    data = export_bytes(model, (_x(2, 3, 32, 32),), input_names=["x"], dynamic_axes={"x": [0]})
    assert onnx.load_from_string(data).graph.input[0].type.tensor_type.shape.dim[0].dim_param == "x_dynamic_axes_1"
    x = _x(7, 3, 32, 32, seed=9)
    with ember.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(run_onnx(data, {"x": x.numpy()})[0], expected, rtol=1e-5, atol=1e-6)


def test_names_follow_pytorch_exporter():
    proto = onnx.load_from_string(export_bytes(workloads.seed_lenet(ember), (_x(1, 3, 32, 32),)))
    names = [n.name for n in proto.graph.node]
    assert names[:3] == ["/conv1/Conv", "/Relu", "/MaxPool"]
    assert "/fc1/Gemm" in names and "/Relu_1" in names
    assert [i.name for i in proto.graph.initializer] == list(workloads.seed_lenet(ember).state_dict())
    assert [i.name for i in proto.graph.input] == ["x"]  # the forward's argument name
    assert [o.name for o in proto.graph.output] == ["output"]
    proto = onnx.load_from_string(export_bytes(workloads.seed_cifar_quick(ember), (_x(1, 3, 32, 32),)))
    assert [n.name for n in proto.graph.node][:7] == ["/0/Conv", "/1/MaxPool", "/2/Conv", "/3/MaxPool", "/4/Conv",
                                                      "/5/MaxPool", "/6/Flatten"]
    assert proto.opset_import[0].version == ember.onnx.DEFAULT_OPSET == 20


@pytest.mark.parametrize("build", [workloads.seed_lenet, workloads.seed_cifar_quick])
def test_node_and_initializer_names_match_torch(build):
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(build(torch).eval(), (torch.zeros(1, 3, 32, 32),), buffer, dynamo=False)
    expected = onnx.load_from_string(buffer.getvalue())
    got = onnx.load_from_string(export_bytes(build(ember), (_x(1, 3, 32, 32),)))
    assert [(n.name, n.op_type) for n in got.graph.node] == [(n.name, n.op_type) for n in expected.graph.node]
    assert [i.name for i in got.graph.initializer] == [i.name for i in expected.graph.initializer]
    assert [o.version for o in got.opset_import] == [o.version for o in expected.opset_import]
    assert got.ir_version == expected.ir_version


def test_export_params_and_initializers_as_inputs():
    model = nn.Sequential(nn.Linear(3, 2))
    x = _x(4, 3)
    proto = onnx.load_from_string(export_bytes(model, (x,), export_params=False))
    assert len(proto.graph.initializer) == 0
    assert [i.name for i in proto.graph.input] == ["input", "0.weight", "0.bias"]
    proto = onnx.load_from_string(export_bytes(model, (x,), keep_initializers_as_inputs=True))
    assert [i.name for i in proto.graph.initializer] == ["0.weight", "0.bias"]
    assert [i.name for i in proto.graph.input] == ["input", "0.weight", "0.bias"]


@pytest.mark.parametrize("opset", [17, 18, 19, 20])
def test_opsets(opset):
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.GELU(), nn.LayerNorm(2), nn.Flatten(),
                          nn.Linear(16, 3), nn.LogSoftmax(1))
    proto = check_roundtrip(model, (_x(2, 2, 4, 4),), opset_version=opset)
    assert proto.opset_import[0].version == opset


def test_training_modes_restore_the_module_mode():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    model.train()
    proto = onnx.load_from_string(export_bytes(model, (_x(4, 3),)))  # EVAL by default
    assert "BatchNormalization" in [n.op_type for n in proto.graph.node]
    assert model.training and model[1].training
    proto = onnx.load_from_string(export_bytes(model, (_x(4, 3),), training=ember.onnx.TrainingMode.PRESERVE))
    assert "BatchNormalization" not in [n.op_type for n in proto.graph.node]  # batch statistics
    with pytest.raises(RuntimeError, match=r"module '1' \(Dropout\) is in training mode"):
        export_bytes(nn.Sequential(nn.Linear(3, 3), nn.Dropout()), (_x(4, 3),),
                     training=ember.onnx.TrainingMode.TRAINING)


def test_constant_folding():
    class Scaled(nn.Module):
        def forward(self, x):
            return x * (ember.ones(3) * 2).exp()

    folded = onnx.load_from_string(export_bytes(Scaled(), (_x(2, 3),)))
    assert [n.op_type for n in folded.graph.node] == ["Constant", "Mul"]
    unfolded = onnx.load_from_string(export_bytes(Scaled(), (_x(2, 3),), do_constant_folding=False))
    assert "Exp" in [n.op_type for n in unfolded.graph.node]
    check_roundtrip(Scaled(), (_x(2, 3),), do_constant_folding=False)


def test_verbose_prints_the_graph(capsys):
    export_bytes(nn.Linear(2, 2), (_x(1, 2),), verbose=True)
    assert "Gemm" in capsys.readouterr().out


def test_writes_a_path(tmp_path):
    path = tmp_path / "model.onnx"
    ember.onnx.export(workloads.seed_lenet(ember), (_x(1, 3, 32, 32),), str(path))
    onnx.checker.check_model(str(path), full_check=True)
    assert os.listdir(tmp_path) == ["model.onnx"]


# -- bad input ------------------------------------------------------------------------------------------------------
def test_unwritable_path_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="cannot write the ONNX file .*missing"):
        ember.onnx.export(nn.Linear(2, 2), (_x(1, 2),), str(tmp_path / "missing" / "m.onnx"))
    target = tmp_path / "ro"
    target.mkdir()
    target.chmod(0o500)
    try:
        if os.access(target, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        with pytest.raises(PermissionError, match="cannot write the ONNX file"):
            ember.onnx.export(nn.Linear(2, 2), (_x(1, 2),), str(target / "m.onnx"))
        assert os.listdir(target) == []
    finally:
        target.chmod(0o700)


def test_unsupported_opset():
    with pytest.raises(ValueError, match="Unsupported ONNX opset version: 9. ember exports opset versions 17 to 20"):
        export_bytes(nn.Linear(2, 2), (_x(1, 2),), opset_version=9)


def test_dynamic_axes_name_must_be_an_input_or_output(tmp_path):
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match="dynamic_axes names 'batch', which is neither an input nor an output"):
        ember.onnx.export(nn.Linear(2, 2), (_x(1, 2),), str(path), input_names=["x"], dynamic_axes={"batch": [0]})
    assert not path.exists()


def test_unmapped_op_names_op_and_module_path(tmp_path):
    model = nn.Sequential(nn.Linear(6, 6), nn.Sequential(nn.Unflatten(1, (1, 2, 3)), nn.Unfold(2)))
    path = tmp_path / "m.onnx"
    with pytest.raises(ember.onnx.UnsupportedOperatorError,
                       match=r"operator 'ember::im2_col' \(Im2ColBackward0\) to ONNX opset version 20 is not "
                             r"supported\. It was used in module '1\.1' \(Unfold\)"):
        ember.onnx.export(model, (_x(2, 6),), str(path))
    assert not path.exists()


def test_data_dependent_branch_warns():
    class Branchy(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x * 2
            return x

    with pytest.warns(ember.jit.TracerWarning, match="Converting a tensor to a Python boolean might cause the trace "
                                                     "to be incorrect"):
        data = export_bytes(Branchy(), (ember.ones(3),))
    assert run_onnx(data, {"x": -np.ones(3, np.float32)})[0].tolist() == [-2.0, -2.0, -2.0]  # the branch is fixed


def test_file_object():
    buffer = io.BytesIO()
    ember.onnx.export(nn.Linear(2, 2), _x(1, 2), buffer)
    onnx.checker.check_model(onnx.load_from_string(buffer.getvalue()), full_check=True)


def test_outputs_that_are_inputs_or_repeated():
    class Passthrough(nn.Module):
        def forward(self, x):
            y = x.relu()
            return x, y, y

    proto = check_roundtrip(Passthrough(), (_x(2, 3),), output_names=["same", "relu", "again"])
    assert [o.name for o in proto.graph.output] == ["same", "relu", "again"]
    assert [n.op_type for n in proto.graph.node] == ["Relu", "Identity", "Identity"]


def test_an_input_the_graph_does_not_follow_is_reported():
    attention = nn.MultiheadAttention(4, 1)

    def masked(x, mask):
        return attention(x, x, x, key_padding_mask=mask)[0]

    with pytest.warns(ember.jit.TracerWarning, match="input 'mask' reaches no output through a recorded op"):
        export_bytes(masked, (_x(3, 2, 4), ember.tensor([[False, False, True], [False, True, True]])))

"""ember.vision.models against torchvision's architectures.

torchvision is not installed here, so two independent checks stand in for it: every model's state_dict keys and
shapes equal the lists in ``models_state_dicts.json`` and its parameter count equals the ``num_params`` torchvision
documents for its weights; and plain-torch copies of torchvision's modules (``torchvision_twins.py``) give
state_dicts that load unchanged into ember's models, with the same outputs in eval mode.
"""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.vision import models
from ember.vision.models._layers import StochasticDepth
from oracle import assert_close, to_ember

from . import torchvision_twins as twins

EXPECTED = json.loads((Path(__file__).parent / "models_state_dicts.json").read_text())

# num_params in torchvision's weights metadata (its model documentation tables)
NUM_PARAMS = dict(
    alexnet=61100840, convnext_tiny=28589128, convnext_small=50223688, convnext_base=88591464,
    convnext_large=197767336, densenet121=7978856, densenet161=28681000, densenet169=14149480, densenet201=20013928,
    efficientnet_b0=5288548, efficientnet_b1=7794184, efficientnet_b2=9109994, efficientnet_b3=12233232,
    efficientnet_b4=19341616, efficientnet_b5=30389784, efficientnet_b6=43040704, efficientnet_b7=66347960,
    efficientnet_v2_s=21458488, efficientnet_v2_m=54139356, efficientnet_v2_l=118515272, googlenet=6624904,
    inception_v3=27161264, mnasnet0_5=2218512,
    mnasnet0_75=3170208, mnasnet1_0=4383312, mnasnet1_3=6282256, mobilenet_v2=3504872,
    mobilenet_v3_large=5483032, mobilenet_v3_small=2542856, resnet18=11689512, resnet34=21797672,
    regnet_y_400mf=4344144, regnet_y_800mf=6432512, regnet_y_1_6gf=11202430, regnet_y_3_2gf=19436338,
    regnet_y_8gf=39381472, regnet_y_16gf=83590140, regnet_y_32gf=145046770, regnet_y_128gf=644812894,
    regnet_x_400mf=5495976, regnet_x_800mf=7259656, regnet_x_1_6gf=9190136, regnet_x_3_2gf=15296552,
    regnet_x_8gf=39572648, regnet_x_16gf=54278536, regnet_x_32gf=107811560,
    resnet50=25557032, resnet101=44549160, resnet152=60192808, resnext50_32x4d=25028904,
    resnext101_32x8d=88791336, resnext101_64x4d=83455272, wide_resnet50_2=68883240, wide_resnet101_2=126886696,
    shufflenet_v2_x0_5=1366792, shufflenet_v2_x1_0=2278604, shufflenet_v2_x1_5=3503624,
    shufflenet_v2_x2_0=7393996, squeezenet1_0=1248424, squeezenet1_1=1235496, vgg11=132863336,
    vgg11_bn=132868840, vgg13=133047848, vgg13_bn=133053736, vgg16=138357544, vgg16_bn=138365992,
    vgg19=143667240, vgg19_bn=143678248, vit_b_16=86567656, vit_b_32=88224232, vit_l_16=304326632,
    vit_l_32=306535400, vit_h_14=632045800)


@pytest.fixture(autouse=True, scope="module")
def _torch_on_one_thread():
    """torch's first convolutions on a shared two-core machine take seconds on two threads, milliseconds on one."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def no_init(monkeypatch):
    """Skip the random initialisation (the structure is under test; filling VGG's 130M weights takes seconds)."""
    for name in ("uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "xavier_uniform_",
                 "constant_", "zeros_", "ones_"):
        monkeypatch.setattr(nn.init, name, lambda tensor, *args, **kwargs: tensor)


def test_every_model_is_listed():
    assert models.list_models() == sorted(NUM_PARAMS)
    assert set(EXPECTED) <= set(NUM_PARAMS)
    assert models.list_models(include="resnet*", exclude=["*101", "*152"]) == ["resnet18", "resnet34", "resnet50"]
    assert models.list_models(module=models.vgg, include="*_bn") == ["vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn"]


@pytest.mark.parametrize("name", sorted(NUM_PARAMS))
def test_state_dict_keys_shapes_and_parameter_count(name, no_init):
    """Every model's parameter count; for the issue's models also every state_dict key and shape (the variants
    differ from them only in widths and depths, which the count checks). torchvision counts GoogLeNet as its
    weights have it, without the auxiliary classifiers."""
    model = models.get_model(name, **({"aux_logits": False, "init_weights": True} if name == "googlenet" else
                                      {"init_weights": True} if name == "inception_v3" else {}))
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS[name]
    if name in EXPECTED:
        assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == EXPECTED[name]


def _load_twin(twin: torch.nn.Module, model: nn.Module) -> None:
    """Give the twin non-trivial batch-norm statistics, then load its state_dict into ``model`` as is."""
    with torch.no_grad():
        for m in twin.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    result = model.load_state_dict({k: to_ember(v) for k, v in twin.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys


CASES = {
    "resnet18": (lambda: twins.ResNet(twins.BasicBlock, [2, 2, 2, 2], 10),
                 lambda: models.resnet18(num_classes=10), 64),
    "bottleneck": (lambda: twins.ResNet(twins.Bottleneck, [1, 1, 1, 1], 10),
                   lambda: models.ResNet(models.resnet.Bottleneck, [1, 1, 1, 1], num_classes=10), 32),
    "mobilenet_v3_small": (lambda: twins.mobilenet_v3_small(10), lambda: models.mobilenet_v3_small(num_classes=10),
                           64),
    "efficientnet_b0": (lambda: twins.efficientnet_b0(10), lambda: models.efficientnet_b0(num_classes=10), 32),
    "shufflenet_v2_x1_0": (lambda: twins.shufflenet_v2_x1_0(10), lambda: models.shufflenet_v2_x1_0(num_classes=10),
                           64),
    "squeezenet1_1": (lambda: twins.squeezenet1_1(10), lambda: models.squeezenet1_1(num_classes=10), 64),
    "densenet": (lambda: twins.densenet(8, (2, 3), 16, 10),
                 lambda: models.DenseNet(8, (2, 3), 16, num_classes=10), 64),
    "convnext": (lambda: twins.convnext([(8, 16, 2), (16, None, 1)], 10),
                 lambda: models.ConvNeXt([models.convnext.CNBlockConfig(8, 16, 2),
                                          models.convnext.CNBlockConfig(16, None, 1)], num_classes=10), 32),
    "vit": (lambda: twins.vision_transformer(32, 8, 2, 2, 16, 32, 10),
            lambda: models.VisionTransformer(32, 8, 2, 2, 16, 32, num_classes=10), 32),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_torchvision_state_dict_loads_and_gives_torchvision_outputs(case, no_init):
    make_twin, make_model, size = CASES[case]
    twin, model = make_twin().eval(), make_model().eval()
    _load_twin(twin, model)
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x))
    with ember.no_grad():
        assert_close(model(ember.tensor(x)), expected, rtol=1e-3, atol=1e-4)


def test_a_torch_saved_checkpoint_loads_through_ember_load(tmp_path, no_init):
    twin = twins.ResNet(twins.BasicBlock, [2, 2, 2, 2], 10)
    torch.save(twin.state_dict(), tmp_path / "resnet18.pth")
    model = models.resnet18(num_classes=10)
    model.load_state_dict(ember.load(tmp_path / "resnet18.pth"))
    assert_close(model.fc.weight, twin.fc.weight)


@pytest.mark.parametrize("weights", [models.ResNet18_Weights.IMAGENET1K_V1, models.ResNet18_Weights.DEFAULT,
                                     "DEFAULT", "ResNet18_Weights.IMAGENET1K_V1"])
def test_asking_for_pretrained_weights_says_how_to_load_a_file(weights):
    with pytest.raises(RuntimeError) as info:
        models.resnet18(weights=weights)
    assert str(info.value) == (
        "ember bundles no pretrained weights and downloads none, so resnet18(weights=ResNet18_Weights."
        "IMAGENET1K_V1) cannot load them. Build the model with weights=None and load a torchvision state_dict "
        "file you have instead: model = ember.vision.models.resnet18(); "
        "model.load_state_dict(ember.load('resnet18.pth'))")


def test_legacy_pretrained_and_bad_weights():
    with pytest.raises(RuntimeError, match="ember bundles no pretrained weights"):
        models.vgg16(pretrained=True)
    assert models.squeezenet1_1(pretrained=False, num_classes=3).classifier[1].out_channels == 3
    with pytest.raises(ValueError, match="Invalid ResNet18_Weights: 'IMAGENET22K'"):
        models.resnet18(weights="IMAGENET22K")
    with pytest.raises(TypeError, match="expected ResNet18_Weights but received ResNet34_Weights"):
        models.resnet18(weights=models.ResNet34_Weights.DEFAULT)


def test_weights_enums_and_lookups():
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert repr(models.ViT_B_16_Weights.DEFAULT) == "ViT_B_16_Weights.IMAGENET1K_V1"
    assert [w.name for w in models.VGG16_Weights] == ["IMAGENET1K_V1", "IMAGENET1K_FEATURES"]
    assert models.get_model_weights("resnet18") is models.ResNet18_Weights
    assert models.get_model_weights(models.mobilenet_v2) is models.MobileNet_V2_Weights
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V1") is models.ResNet50_Weights.IMAGENET1K_V1
    assert models.get_model_builder("ResNet18") is models.resnet18
    with pytest.raises(ValueError, match="Unknown model resnet9"):
        models.get_model("resnet9")


def test_get_model_passes_the_configuration():
    model = models.get_model("mobilenet_v3_small", num_classes=5).eval()
    assert model(ember.randn(1, 3, 32, 32)).shape == ember.Size([1, 5])


def test_vit_checks_the_image_size(no_init):
    model = models.vit_b_16(image_size=32, num_classes=4)
    assert model.encoder.pos_embedding.shape == ember.Size([1, 5, 768])
    with pytest.raises(AssertionError, match="Wrong image height! Expected 32 but got 48!"):
        model(ember.randn(1, 3, 48, 32))


def test_stochastic_depth_drops_whole_rows_in_training_only():
    layer = StochasticDepth(0.5, "row")
    x = ember.ones(64, 3, 2)
    rows = layer(x).numpy().reshape(64, -1)
    assert set(np.unique(rows)) <= {0.0, 2.0} and (rows == rows[:, :1]).all()
    assert 0 < (rows[:, 0] == 0).sum() < 64
    assert (layer.eval()(x) is x)
    with pytest.raises(ValueError, match="mode has to be either 'batch' or 'row', but got col"):
        StochasticDepth(0.5, "col")


@pytest.mark.parametrize("build", [
    lambda: models.resnet18(num_classes=3), lambda: models.mobilenet_v3_small(num_classes=3),
    lambda: models.efficientnet_b0(num_classes=3),
    lambda: models.EfficientNet([models.efficientnet.FusedMBConvConfig(1, 3, 1, 8, 8, 2),
                                 models.efficientnet.FusedMBConvConfig(4, 3, 2, 8, 16, 1),
                                 models.efficientnet.MBConvConfig(4, 3, 2, 16, 24, 1)], 0.2, num_classes=3),
    lambda: models.shufflenet_v2_x1_0(num_classes=3), lambda: models.mnasnet0_5(num_classes=3),
    lambda: models.DenseNet(8, (2, 3), 16, drop_rate=0.2, num_classes=3),
    lambda: models.RegNet(models.regnet.BlockParams.from_init_params(4, 8, 8.0, 2.0, 8, se_ratio=0.25),
                          stem_width=8, num_classes=3),
    lambda: models.ConvNeXt([models.convnext.CNBlockConfig(8, 16, 2), models.convnext.CNBlockConfig(16, None, 1)],
                            stochastic_depth_prob=0.5, num_classes=3),
    lambda: models.VisionTransformer(32, 8, 2, 2, 16, 32, dropout=0.1, attention_dropout=0.1, num_classes=3),
], ids=["resnet18", "mobilenet_v3_small", "efficientnet_b0", "efficientnet_fused", "shufflenet_v2_x1_0",
        "mnasnet0_5", "densenet", "regnet", "convnext", "vit"])
def test_a_training_step_reaches_every_parameter(build, no_init):
    # training mode runs what eval skips: batch statistics, dropout, stochastic depth, the in-place activations
    model = build().train()
    rng = np.random.default_rng(0)
    with ember.no_grad():
        for p in model.parameters():
            p.copy_(ember.tensor(rng.uniform(-0.1, 0.1, tuple(p.shape)).astype(np.float32)))
    out = model(ember.randn(2, 3, 32, 32))
    nn.functional.cross_entropy(out, ember.tensor([0, 2])).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


def test_mnasnet_loads_a_version_1_checkpoint_and_needs_the_version(no_init):
    old = models.mnasnet0_5(num_classes=3)
    old.layers[0] = nn.Conv2d(3, 32, 3, padding=1, stride=2, bias=False)
    old._version = 1  # a checkpoint saved before torchvision scaled the stem (its 0.5 weights are one)
    with pytest.raises(RuntimeError, match="size mismatch"):
        models.mnasnet0_5(num_classes=3).load_state_dict(old.state_dict())
    old = models.mnasnet0_5(num_classes=3)
    old._load_from_state_dict({}, "", {"version": 1}, False, [], [], [])  # turns it into the version 1 layout
    model = models.mnasnet0_5(num_classes=3)
    with pytest.warns(UserWarning, match="A new version of MNASNet model has been implemented"):
        model.load_state_dict(old.state_dict())
    assert model.layers[0].out_channels == 32 and model._version == 1
    with pytest.raises(ValueError, match="version shluld be set to 1 or 2 instead of None"):
        models.mnasnet0_5(num_classes=3).load_state_dict(dict(model.state_dict()))


def _random_parameters(model: nn.Module) -> nn.Module:
    rng = np.random.default_rng(0)
    with ember.no_grad():
        for p in model.parameters():
            p.copy_(ember.tensor(rng.uniform(-0.1, 0.1, tuple(p.shape)).astype(np.float32)))
    return model


def test_googlenet_auxiliary_classifiers_answer_in_training_only(no_init):
    with pytest.warns(FutureWarning, match="The default weight initialization of GoogleNet"):
        model = _random_parameters(models.googlenet(num_classes=3))
    x = ember.randn(2, 3, 32, 32)
    out = model.train()(x)
    assert type(out) is models.GoogLeNetOutputs and all(o.shape == ember.Size([2, 3]) for o in out)
    sum(nn.functional.cross_entropy(o, ember.tensor([0, 2])) for o in out).backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model.eval()(x).shape == ember.Size([2, 3])


def test_inception_v3_trains_and_its_auxiliary_classifier_reads_17x17_features(no_init):
    # the auxiliary head needs 299x299 inputs (17x17 features), too slow here: it is run on such features alone
    model = _random_parameters(models.inception_v3(num_classes=3, init_weights=True))
    assert model.AuxLogits(ember.randn(2, 768, 17, 17)).shape == ember.Size([2, 3])
    model.aux_logits, model.AuxLogits = False, None
    out = model.train()(ember.randn(2, 3, 75, 75))
    nn.functional.cross_entropy(out, ember.tensor([0, 2])).backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model.eval()(ember.randn(1, 3, 75, 75)).shape == ember.Size([1, 3])

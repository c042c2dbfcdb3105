"""The ``Summary`` protocol buffers behind each ``SummaryWriter.add_*`` method, built with TensorBoard's own protos
in the layout its plugins read (the same layout ``torch.utils.tensorboard`` writes)."""
from __future__ import annotations

import functools
import io

import numpy as np
from google.protobuf import struct_pb2
from PIL import Image
from tensorboard.compat.proto.histogram_pb2 import HistogramProto
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.hparams.api_pb2 import DataType, Experiment, HParamInfo, MetricInfo, MetricName, Status
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData, SessionEndInfo, SessionStartInfo
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ..._tensor import Tensor
from ._convert import convert_to_HWC, make_np

# TensorBoard's PR-curve plugin draws at most this many thresholds
_MAX_PR_THRESHOLDS = 127


@functools.cache
def default_bins() -> tuple[float, ...]:
    """TensorFlow's histogram bucket limits: +-1e-12 growing by 10% up to 1e20, and 0 (what ``bins='tensorflow'``
    means). Built by repeated multiplication, as TensorFlow does, so the limits are the same floats."""
    limits, v = [], 1e-12
    while v < 1e20:
        limits.append(v)
        v *= 1.1
    return tuple([-x for x in reversed(limits)] + [0.0] + limits)


def _plugin_metadata(name: str, content: bytes = b"") -> SummaryMetadata:
    return SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=name, content=content))


def _shape(shape) -> TensorShapeProto:
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in shape])


def scalar(tag: str, value, new_style: bool = False, double_precision: bool = False) -> Summary:
    """One number: a ``simple_value`` (the classic form), or with ``new_style`` a float/double tensor."""
    array = make_np(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given size: {array.size} and "
                             f"{array.ndim} dimensions.")
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    tensor = (TensorProto(double_val=[number], dtype="DT_DOUBLE") if double_precision
              else TensorProto(float_val=[number], dtype="DT_FLOAT"))
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=_plugin_metadata("scalars"))])


def histogram_raw(tag: str, min, max, num, sum, sum_squares, bucket_limits, bucket_counts) -> Summary:  # noqa: A002
    """A histogram whose statistics and buckets were computed by the caller."""
    histo = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares, bucket_limit=bucket_limits,
                           bucket=bucket_counts)
    return Summary(value=[Summary.Value(tag=tag, histo=histo)])


def histogram(tag: str, values, bins, max_bins: int | None = None) -> Summary:
    """A histogram of ``values`` (``np.histogram`` bins), with the empty buckets at either end left out.

    ``max_bins`` merges neighbouring buckets so that at most that many remain."""
    values = make_np(values).astype(float).reshape(-1)
    if values.size == 0:
        raise ValueError("The input has no element.")
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=1)
        limits = np.append(limits[:-1:group], limits[-1])
    # keep one empty bucket before the first non-empty one (its upper limit is where the data starts)
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError("The histogram is empty: no value lies inside the bins.")
    first, last = filled[0], filled[-1]
    counts = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    limits = limits[first:last + 2]
    histo = HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                           sum_squares=values.dot(values), bucket_limit=limits.tolist(), bucket=counts.tolist())
    return Summary(value=[Summary.Value(tag=tag, histo=histo)])


def _png(hwc: np.ndarray) -> bytes:
    with io.BytesIO() as buffer:
        Image.fromarray(hwc).save(buffer, format="PNG")
        return buffer.getvalue()


def image(tag: str, images, dataformats: str = "NCHW") -> Summary:
    """A PNG picture of ``images``: floats are read as [0, 1] and scaled to 0..255, uint8 as is; a batch is tiled."""
    hwc = convert_to_HWC(make_np(images), dataformats)
    scale = 1 if hwc.dtype == np.uint8 else 255
    pixels = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    height, width, channels = pixels.shape
    picture = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=_png(pixels))
    return Summary(value=[Summary.Value(tag=tag, image=picture)])


def text(tag: str, text: str) -> Summary:
    """A (markdown) string for the Text tab; TensorBoard shows it under ``<tag>/text_summary``."""
    tensor = TensorProto(dtype="DT_STRING", string_val=[text.encode("utf-8")], tensor_shape=_shape([1]))
    metadata = _plugin_metadata("text", TextPluginData(version=0).SerializeToString())
    return Summary(value=[Summary.Value(tag=f"{tag}/text_summary", metadata=metadata, tensor=tensor)])


def _pr_summary(tag: str, data: np.ndarray, num_thresholds: int) -> Summary:
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    tensor = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(), tensor_shape=_shape(data.shape))
    return Summary(value=[Summary.Value(tag=tag, metadata=_plugin_metadata("pr_curves", content), tensor=tensor)])


def pr_curve_raw(tag: str, tp, fp, tn, fn, precision, recall, num_thresholds: int = 127) -> Summary:
    """A precision-recall curve from counts the caller computed (6 rows, one column per threshold)."""
    data = np.stack([make_np(v) for v in (tp, fp, tn, fn, precision, recall)])
    return _pr_summary(tag, data, min(num_thresholds, _MAX_PR_THRESHOLDS))


def pr_curve(tag: str, labels, predictions, num_thresholds: int = 127, weights=None) -> Summary:
    """A precision-recall curve of binary ``labels`` against ``predictions`` in [0, 1], at ``num_thresholds``
    evenly spaced thresholds (true/false positive and negative counts, precision, recall)."""
    num_thresholds = min(num_thresholds, _MAX_PR_THRESHOLDS)
    labels = make_np(labels).astype(np.float64)
    predictions = make_np(predictions)
    weights = 1.0 if weights is None else make_np(weights)
    bucket = np.int32(np.floor(predictions * (num_thresholds - 1)))
    span = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(bucket, bins=num_thresholds, range=span, weights=labels * weights)
    fp_buckets, _ = np.histogram(bucket, bins=num_thresholds, range=span, weights=(1.0 - labels) * weights)
    # counts at threshold i: the predictions at or above it
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    # the floor keeps 0/0 at 0 where no prediction reaches the threshold
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return _pr_summary(tag, np.stack([tp, fp, tn, fn, precision, recall]), num_thresholds)


def _hparams_summary(tag: str, **content) -> Summary:
    data = HParamsPluginData(version=hparams_metadata.PLUGIN_DATA_VERSION, **content).SerializeToString()
    return Summary(value=[Summary.Value(tag=tag, metadata=_plugin_metadata(hparams_metadata.PLUGIN_NAME, data))])


def hparams(hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None
            ) -> tuple[Summary, Summary, Summary]:
    """The three summaries of one HParams session: the experiment (which hyperparameters and metrics exist), the
    session start (this run's values) and the session end."""
    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    hparam_domain_discrete = hparam_domain_discrete or {}
    if not isinstance(hparam_domain_discrete, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, v in hparam_domain_discrete.items():
        if k not in hparam_dict or not isinstance(v, list) or not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as "
                            f"hparam_dict[{k}].")
    infos, start = [], SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, Tensor):
            v = float(make_np(v).reshape(-1)[0])
        # bool is an int: PyTorch logs True/False as the numbers 1/0, and so does ember
        if isinstance(v, (int, float)):
            start.hparams[k].number_value = v
            kind, field = "DATA_TYPE_FLOAT64", "number_value"
        elif isinstance(v, str):
            start.hparams[k].string_value = v
            kind, field = "DATA_TYPE_STRING", "string_value"
        else:
            raise ValueError("value should be one of int, float, str, bool, or ember.Tensor")
        domain = None
        if k in hparam_domain_discrete:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in hparam_domain_discrete[k]])
        infos.append(HParamInfo(name=k, type=DataType.Value(kind), domain_discrete=domain))
    metrics = [MetricInfo(name=MetricName(tag=k)) for k in metric_dict]
    experiment = Experiment(hparam_infos=infos, metric_infos=metrics)
    return (_hparams_summary(hparams_metadata.EXPERIMENT_TAG, experiment=experiment),
            _hparams_summary(hparams_metadata.SESSION_START_INFO_TAG, session_start_info=start),
            _hparams_summary(hparams_metadata.SESSION_END_INFO_TAG,
                             session_end_info=SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))))


__all__ = ["default_bins", "hparams", "histogram", "histogram_raw", "image", "pr_curve", "pr_curve_raw", "scalar",
           "text"]

"""``SummaryWriter``: ``torch.utils.tensorboard``'s writer for ember. Events go through the ``tensorboard`` package's
own ``EventFileWriter`` (a background thread that appends records and flushes every ``flush_secs``), so the files
are what TensorBoard expects, with no TensorFlow needed."""
from __future__ import annotations

import os
import socket
import time
from datetime import datetime

from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import _embedding, summary
from ._convert import figure_to_image, make_np
from ._graph import graph_def


class FileWriter:
    """Appends ``Event`` protocol buffers to one new event file in ``log_dir`` (asynchronously)."""

    def __init__(self, log_dir: str, max_queue: int = 10, flush_secs: float = 120, filename_suffix: str = "") -> None:
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_event(self, event: Event, step: int | None = None, walltime: float | None = None) -> None:
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary: Summary, global_step: int | None = None, walltime: float | None = None) -> None:
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph: GraphDef, walltime: float | None = None) -> None:
        """The graph, then the (empty, CPU) run metadata that lets the Graphs tab offer its device colouring."""
        self.add_event(Event(graph_def=graph.SerializeToString()), None, walltime)
        metadata = RunMetadata()
        metadata.step_stats.dev_stats.add(device="/device:CPU:0")
        tagged = TaggedRunMetadata(tag="step1", run_metadata=metadata.SerializeToString())
        self.add_event(Event(tagged_run_metadata=tagged), None, walltime)

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self.event_writer.close()


class SummaryWriter:
    """Writes scalars, histograms, images, text, graphs, embeddings, hyperparameters and PR curves to event files in
    ``log_dir`` for TensorBoard (``tensorboard --logdir runs``).

    ``log_dir`` defaults to ``runs/<Mon><DD>_<HH>-<MM>-<SS>_<hostname><comment>``. ``purge_step``: when a run that
    crashed at step T+X restarts at step T, TensorBoard hides its events at steps >= T. Values may be ember Tensors,
    NumPy arrays or Python numbers. Use it as a context manager, or call ``close()``.
    """

    def __init__(self, log_dir: str | os.PathLike | None = None, comment: str = "", purge_step: int | None = None,
                 max_queue: int = 10, flush_secs: float = 120, filename_suffix: str = "") -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] | None = None
        self._projector_config = None
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        """The writer of ``log_dir``'s event file, created again (in a new file) after ``close()``."""
        if self.file_writer is None or self.all_writers is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                # a SessionLog START at step T tells TensorBoard to drop the events at steps >= T read before it
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str:
        return self.log_dir

    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None, walltime: float | None = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """One point of the curve ``tag`` (Scalars tab)."""
        self._get_file_writer().add_summary(summary.scalar(tag, scalar_value, new_style, double_precision),
                                            global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Several curves in one chart ``main_tag``: each goes to its own run ``<log_dir>/<main_tag>_<tag>``."""
        walltime = time.time() if walltime is None else walltime
        root = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            run = f"{root}/{main_tag.replace('/', '_')}_{tag}"
            if run not in self.all_writers:
                self.all_writers[run] = FileWriter(run, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers[run].add_summary(summary.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag: str, values, global_step: int | None = None, bins="tensorflow",
                      walltime: float | None = None, max_bins: int | None = None) -> None:
        """The distribution of ``values`` (Histograms and Distributions tabs); ``bins`` as ``np.histogram``'s, or
        ``'tensorflow'``: TensorFlow's exponential buckets."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = summary.default_bins()
        self._get_file_writer().add_summary(summary.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_histogram_raw(self, tag: str, min, max, num, sum, sum_squares, bucket_limits, bucket_counts,  # noqa: A002
                          global_step: int | None = None, walltime: float | None = None) -> None:
        """A histogram from statistics computed by the caller (``bucket_limits``: each bucket's upper edge)."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        self._get_file_writer().add_summary(
            summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts),
            global_step, walltime)

    def add_image(self, tag: str, img_tensor, global_step: int | None = None, walltime: float | None = None,
                  dataformats: str = "CHW") -> None:
        """One image (Images tab): floats in [0, 1] or uint8, laid out as ``dataformats`` (CHW, HWC, HW, ...)."""
        self._get_file_writer().add_summary(summary.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_images(self, tag: str, img_tensor, global_step: int | None = None, walltime: float | None = None,
                   dataformats: str = "NCHW") -> None:
        """A batch of images shown as one grid of 8 columns (``dataformats`` NCHW or NHWC)."""
        self._get_file_writer().add_summary(summary.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_figure(self, tag: str, figure, global_step: int | None = None, close: bool = True,
                   walltime: float | None = None) -> None:
        """A matplotlib figure (or a list of them, as a grid) rendered to an image; ``close`` closes the figure."""
        self.add_image(tag, figure_to_image(figure, close), global_step, walltime,
                       dataformats="NCHW" if isinstance(figure, list) else "CHW")

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """A markdown string (Text tab)."""
        self._get_file_writer().add_summary(summary.text(tag, text_string), global_step, walltime)

    def add_graph(self, model, input_to_model=None, verbose: bool = False, use_strict_trace: bool = True) -> None:
        """The graph of ops one forward of ``model`` on ``input_to_model`` runs (Graphs tab), grouped by module.
        ``use_strict_trace`` is accepted for PyTorch compatibility."""
        self._get_file_writer().add_graph(graph_def(model, input_to_model, verbose))

    @staticmethod
    def _encode(name: str) -> str:
        """``name`` usable as one folder name: %, / and \\ percent-encoded."""
        return name.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")

    def add_embedding(self, mat, metadata: list | None = None, label_img=None, global_step: int | None = None,
                      tag: str = "default", metadata_header: list | None = None) -> None:
        """Points to explore in the Projector tab: ``mat`` N x D, optional labels (``metadata``, one per point, or
        rows under ``metadata_header``) and thumbnails (``label_img`` N x C x H x W)."""
        mat = make_np(mat)
        step = 0 if global_step is None else global_step
        subdir = f"{step:05d}/{self._encode(tag)}"
        log_dir = self._get_file_writer().get_logdir()
        folder = os.path.join(log_dir, subdir)
        if os.path.isdir(folder):
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        elif os.path.exists(folder):
            raise NotADirectoryError(f"Path: `{folder}` exists, but is a file. Cannot proceed.")
        else:
            os.makedirs(folder)
        if metadata is not None:
            if mat.shape[0] != len(metadata):
                raise AssertionError("#labels should equal with #data points")
            _embedding.write_metadata(folder, metadata, metadata_header)
        if label_img is not None:
            label_img = make_np(label_img)
            if mat.shape[0] != label_img.shape[0]:
                raise AssertionError("#images should equal with #data points")
            _embedding.write_sprite(folder, label_img)
        if mat.ndim != 2:
            raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
        _embedding.write_tensors(folder, mat)
        if self._projector_config is None:
            self._projector_config = _embedding.ProjectorConfig()
        self._projector_config.embeddings.append(
            _embedding.embedding_info(tag, step, subdir, metadata is not None, label_img))
        _embedding.write_config(log_dir, self._projector_config)

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None,
                    run_name: str | None = None, global_step: int | None = None) -> None:
        """One session of the HParams tab: the hyperparameters and the metrics they gave, written to the run
        ``<log_dir>/<run_name>`` (default: the current time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        experiment, start, end = summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        run = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=run) as writer:
            for part in (experiment, start, end):
                writer.file_writer.add_summary(part, global_step)
            for k, v in metric_dict.items():
                writer.add_scalar(k, v, global_step)

    def add_pr_curve(self, tag: str, labels, predictions, global_step: int | None = None, num_thresholds: int = 127,
                     weights=None, walltime: float | None = None) -> None:
        """A precision-recall curve (PR Curves tab) of binary ``labels`` against ``predictions`` in [0, 1]."""
        self._get_file_writer().add_summary(summary.pr_curve(tag, labels, predictions, num_thresholds, weights),
                                            global_step, walltime)

    def add_pr_curve_raw(self, tag: str, true_positive_counts, false_positive_counts, true_negative_counts,
                         false_negative_counts, precision, recall, global_step: int | None = None,
                         num_thresholds: int = 127, weights=None, walltime: float | None = None) -> None:
        """A precision-recall curve from per-threshold counts computed by the caller."""
        self._get_file_writer().add_summary(
            summary.pr_curve_raw(tag, true_positive_counts, false_positive_counts, true_negative_counts,
                                 false_negative_counts, precision, recall, num_thresholds), global_step, walltime)

    def flush(self) -> None:
        """Write every pending event to disk."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close the event files; a later ``add_*`` starts a new file in the same ``log_dir``."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        self.close()


__all__ = ["FileWriter", "SummaryWriter"]

"""The files of TensorBoard's Projector tab: per embedding a folder ``<step>/<tag>/`` with ``tensors.tsv`` (one row
a point), ``metadata.tsv`` (labels), ``sprite.png`` (the points' thumbnails in one square grid), and in the log
directory ``projector_config.pbtxt`` listing every embedding."""
from __future__ import annotations

import math
import os

import numpy as np
from google.protobuf import text_format
from PIL import Image
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig

from ._convert import make_grid

CONFIG = "projector_config.pbtxt"


def write_metadata(folder: str, metadata: list, header: list | None) -> None:
    """``metadata.tsv``: one label per line, or with ``header`` a header line and one tab-separated row per point."""
    if header:
        if len(header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in metadata")
        lines = ["\t".join(str(e) for e in row) for row in [header, *metadata]]
    else:
        lines = [str(x) for x in metadata]
    with open(os.path.join(folder, "metadata.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def write_sprite(folder: str, images: np.ndarray) -> None:
    """``sprite.png``: the N x C x H x W thumbnails (floats in [0, 1]) tiled in a square of ceil(sqrt(N)) columns."""
    grid = make_grid(images, ncols=math.ceil(images.shape[0] ** 0.5)).transpose(1, 2, 0)
    # the Projector expects a square sprite: pad the bottom
    square = np.zeros((grid.shape[1], grid.shape[1], 3))
    square[:grid.shape[0]] = grid
    Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(os.path.join(folder, "sprite.png"), format="PNG")


def write_tensors(folder: str, mat: np.ndarray) -> None:
    """``tensors.tsv``: one tab-separated row of numbers per point."""
    with open(os.path.join(folder, "tensors.tsv"), "w", encoding="utf-8") as f:
        f.writelines("\t".join(str(v) for v in row) + "\n" for row in mat.tolist())


def embedding_info(tag: str, step: int, subdir: str, has_metadata: bool, label_img: np.ndarray | None
                   ) -> EmbeddingInfo:
    """The Projector's description of one embedding; paths are relative to the log directory."""
    info = EmbeddingInfo(tensor_name=f"{tag}:{step:05d}", tensor_path=f"{subdir}/tensors.tsv")
    if has_metadata:
        info.metadata_path = f"{subdir}/metadata.tsv"
    if label_img is not None:
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    return info


def write_config(log_dir: str, config: ProjectorConfig) -> None:
    with open(os.path.join(log_dir, CONFIG), "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(config))


__all__ = ["CONFIG", "ProjectorConfig", "embedding_info", "write_config", "write_metadata", "write_sprite",
           "write_tensors"]

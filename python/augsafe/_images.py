"""Images as the engine takes them: 2-D uint8 grey arrays."""

from __future__ import annotations

from typing import Any, Type

import numpy as np


def to_grey(image: Any, what: str, error: Type[Exception]) -> np.ndarray:
    """``image`` (a PIL image, or an array H×W, H×W×1 or colour H×W×3/4) as a 2-D uint8 array:
    grey levels as they are (clipped to 0..255), floats in 0..1 scaled, booleans as 0 and 255,
    colour turned to grey. A PyTorch tensor is channels first: H×W, C×H×W or 1×C×H×W. Anything
    else raises ``error`` with ``what`` names the image."""
    if hasattr(image, "convert") and hasattr(image, "size"):  # a PIL image
        image = np.asarray(image.convert("L"))
    elif type(image).__module__.startswith("torch") and hasattr(image, "detach"):  # a tensor
        image = image.detach().cpu().numpy()
        while image.ndim > 3 and image.shape[0] == 1:
            image = image[0]
        if image.ndim == 3 and image.shape[0] in (1, 3, 4):
            image = np.moveaxis(image, 0, -1)
    if not isinstance(image, np.ndarray):
        raise error(f"{what} is {type(image).__name__}, not an image (a NumPy array or a PIL image)")
    array = image
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    elif array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[:, :, :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise error(
            f"{what} has shape {image.shape}, not a grey image (H×W or H×W×1) or colour (H×W×3)"
        )
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if not np.issubdtype(array.dtype, np.number):
        raise error(f"{what} has pixels of type {array.dtype}, not numbers")
    values = array.astype(np.float64)
    finite = values[np.isfinite(values)]
    if np.issubdtype(array.dtype, np.floating) and (finite.max() if finite.size else 0.0) <= 1.0:
        values = values * 255.0
    values = np.nan_to_num(values, nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)

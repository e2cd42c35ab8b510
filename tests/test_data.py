import hashlib

import numpy as np
import pytest

import utils
from utils import data as data_module


@pytest.fixture(scope="module")
def mnist():
    return utils.load_dataset("mnist")


def test_load_mnist_shapes_dtypes_and_range(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.float32 and y_train.dtype == np.uint8
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    # the published checks that identify the real MNIST
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert abs(float(x_train.mean()) - 0.1307) < 1e-3


def test_load_flattened_fashion_mnist():
    (x_train, y_train), (x_test, _) = utils.load_dataset("fashion_mnist", flatten=True)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert list(y_train[:10]) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(y_train).tolist() == [6000] * 10


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="fashion_mnist"):
        utils.load_dataset("cifar10")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"name": ["mnist"]}, TypeError, "name must be one of the strings 'mnist' or 'fashion_mnist'"),
        ({"name": None}, TypeError, "name must be one of the strings"),
        ({"flatten": "yes"}, TypeError, "flatten must be True or False"),
        ({"data_dir": 3}, TypeError, "data_dir must be a str or a pathlib.Path, got 3"),
        ({"data_dir": "/no/such/folder"}, FileNotFoundError, "data_dir must be an existing folder"),
    ],
)
def test_load_dataset_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.load_dataset(**kwargs)


def _offline(monkeypatch):
    import keras

    def fail():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail)


@pytest.mark.parametrize("content", [b"not an npz archive", None], ids=["corrupt", "missing-offline"])
def test_file_errors_name_the_file_in_the_given_data_dir(tmp_path, monkeypatch, content):
    if content is None:
        _offline(monkeypatch)
    else:
        (tmp_path / "mnist.npz").write_bytes(content)
    with pytest.raises((ValueError, FileNotFoundError)) as info:
        utils.load_dataset("mnist", data_dir=tmp_path)
    assert str(tmp_path / "mnist.npz") in str(info.value)
    assert (content is None) == (not (tmp_path / "mnist.npz").exists())  # nothing deleted


def test_corrupt_file_fails_the_checksum(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"not an npz archive")
    with pytest.raises(ValueError, match="corrupt or truncated.*git checkout"):
        utils.load_dataset("mnist", data_dir=tmp_path)


def test_truncated_file_fails_the_checksum(tmp_path):
    source = data_module.DATA_DIR / "mnist.npz"
    (tmp_path / "mnist.npz").write_bytes(source.read_bytes()[:100_000])
    with pytest.raises(ValueError, match="SHA-256"):
        utils.load_dataset("mnist", data_dir=tmp_path)


def test_archive_lacking_arrays_is_rejected(tmp_path, monkeypatch):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(data_module.DATASETS, "mnist", ("mnist.npz", digest))
    with pytest.raises(ValueError, match="lacks the arrays"):
        utils.load_dataset("mnist", data_dir=tmp_path)


def test_missing_file_falls_back_to_keras_datasets(tmp_path, monkeypatch):
    fake = (np.zeros((3, 28, 28), np.uint8), np.arange(3)), (np.full((2, 28, 28), 255, np.uint8), np.arange(2))
    monkeypatch.setattr(data_module, "_download", lambda name: fake)
    (x_train, y_train), (x_test, _) = utils.load_dataset("mnist", data_dir=tmp_path)
    assert x_train.shape == (3, 28, 28) and x_test.max() == 1.0 and y_train.dtype == np.uint8


def test_missing_file_without_network_says_how_to_fix(tmp_path, monkeypatch):
    _offline(monkeypatch)
    with pytest.raises(FileNotFoundError, match="git checkout -- data/mnist.npz"):
        utils.load_dataset("mnist", data_dir=tmp_path)


def test_train_val_split_is_seeded_and_disjoint():
    x = np.arange(100).reshape(100, 1).astype("float32")
    y = np.arange(100)
    a = utils.train_val_split(x, y, val_fraction=0.2, seed=1)
    b = utils.train_val_split(x, y, val_fraction=0.2, seed=1)
    x_tr, x_val, y_tr, y_val = a
    assert x_tr.shape == (80, 1) and x_val.shape == (20, 1)
    assert set(y_tr).isdisjoint(y_val) and len(set(y_tr) | set(y_val)) == 100
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert np.array_equal(x_tr[:, 0], y_tr)  # images and labels stay paired
    assert not np.array_equal(utils.train_val_split(x, seed=2)[1], utils.train_val_split(x, seed=1)[1])


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 0.001])
def test_train_val_split_rejects_bad_fractions(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        utils.train_val_split(np.zeros((10, 2)), val_fraction=fraction)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"val_fraction": None}, TypeError, r"val_fraction must be a finite number in \(0, 1\), got None"),
        ({"val_fraction": "0.1"}, TypeError, "val_fraction must be a finite number"),
        ({"val_fraction": float("nan")}, ValueError, "val_fraction must be a finite number"),
        ({"val_fraction": True}, ValueError, "val_fraction .* bool"),
        ({"x": 5}, ValueError, "x must be an array of samples"),
        ({"x": None}, TypeError, "x must be an array of samples"),
        ({"y": 3}, ValueError, "y must be an array of samples"),
    ],
)
def test_train_val_split_refuses_bad_arguments(kwargs, error, match):
    kwargs = {"x": np.zeros((10, 2)), **kwargs}
    with pytest.raises(error, match=match):
        utils.train_val_split(**kwargs)


def test_train_val_split_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="same length"):
        utils.train_val_split(np.zeros((10, 2)), np.zeros(9))


def test_subset_is_seeded_and_without_replacement():
    x = np.arange(50)
    s1, s2 = utils.subset(x, n=20, seed=3), utils.subset(x, n=20, seed=3)
    assert np.array_equal(s1, s2) and len(set(s1)) == 20


def test_balanced_subset_draws_equally_from_each_class():
    y = np.repeat(np.arange(10), 30)
    x = np.arange(300)
    xs, ys = utils.subset(x, y, n=100, seed=0, balanced=True)
    assert np.bincount(ys).tolist() == [10] * 10
    assert np.array_equal(y[xs], ys)


@pytest.mark.parametrize(
    "encode",
    [lambda y: np.eye(10, dtype="float32")[y], lambda y: y[:, None]],
    ids=["one-hot", "column"],
)
def test_balanced_subset_accepts_one_hot_and_column_labels(encode):
    y = np.repeat(np.arange(10), 30)
    xs, ys = utils.subset(np.arange(300), encode(y), n=100, seed=0, balanced=True)
    assert ys.shape[1:] == encode(y).shape[1:]  # the labels keep their format
    ids = ys[:, 0] if ys.shape[1] == 1 else ys.argmax(axis=1)
    assert np.bincount(ids).tolist() == [10] * 10
    assert np.array_equal(y[xs], ids)  # each image keeps its own label


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"n": 0}, ValueError, "between 1 and"),
        ({"n": 301}, ValueError, "between 1 and"),
        ({"n": 95, "balanced": True}, ValueError, "divisible"),
        ({"n": 2.5}, ValueError, r"n must be a whole number between 1 and 300, got 2\.5"),
        ({"n": True}, ValueError, "n must be a whole number"),
        ({"n": "10"}, TypeError, "n must be a whole number"),
        ({"n": None}, TypeError, "n must be a whole number"),
        ({"n": 10, "balanced": "yes"}, TypeError, "balanced must be True or False"),
        ({"n": 10, "y": np.ones((300, 2))}, ValueError, "y must be class ids .* whose rows are not one-hot"),
        ({"n": 10, "y": np.zeros((300, 2, 2))}, ValueError, r"y must be class ids of shape \(N,\) or one-hot"),
        ({"n": 10, "y": 7}, ValueError, "y must be an array of samples"),
        ({"n": 10, "x": None}, TypeError, "x must be an array of samples"),
    ],
)
def test_subset_rejects_bad_requests(kwargs, error, message):
    kwargs = {"x": np.zeros(300), "y": np.repeat(np.arange(10), 30), "balanced": "y" in kwargs, **kwargs}
    with pytest.raises(error, match=message):
        utils.subset(**kwargs)


def test_balanced_subset_needs_labels_and_enough_samples():
    with pytest.raises(ValueError, match="needs the labels"):
        utils.subset(np.zeros(20), n=10, balanced=True)
    y = np.array([0] * 18 + [1] * 2)
    with pytest.raises(ValueError, match="class 1 has 2 samples"):
        utils.subset(np.zeros(20), y, n=10, balanced=True)


def test_gaussian_noise_is_seeded_clipped_and_scaled():
    x = np.full((200, 28, 28), 0.5, dtype="float32")
    a = utils.add_gaussian_noise(x, 0.1, seed=0)
    assert a.shape == x.shape and a.dtype == np.float32
    assert np.array_equal(a, utils.add_gaussian_noise(x, 0.1, seed=0))
    assert abs(float((a - x).std()) - 0.1) < 0.005  # far from the clip bounds
    b = utils.add_gaussian_noise(x, 3.0, seed=0)
    assert b.min() == 0.0 and b.max() == 1.0
    assert np.array_equal(utils.add_gaussian_noise(x, 0.0), x)


@pytest.mark.parametrize(
    "factor, error",
    [
        (-0.1, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (True, ValueError),
        (None, TypeError),
        ("0.1", TypeError),
    ],
)
def test_gaussian_noise_rejects_bad_factors(factor, error):
    with pytest.raises(error, match="noise_factor must be a finite number >= 0"):
        utils.add_gaussian_noise(np.zeros((2, 4, 4), "float32"), factor)


@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((2, 784), dtype=np.uint8), "divide uint8 images by 255"),
        (np.zeros(784, dtype="float32"), "batch of images"),
        (np.zeros((0, 784), dtype="float32"), "batch of images"),
        (np.full((2, 784), 255.0, dtype="float32"), r"\[0, 1\]"),
        (np.full((2, 784), -0.5, dtype="float32"), r"\[0, 1\]"),
        (np.full((2, 784), np.nan, dtype="float32"), "NaN"),
        (np.ones((2, 784), dtype=bool), r"x\.astype\('float32'\)"),
        ([[0.5, 0.5], [0.5]], "NumPy cannot read it as one array"),
    ],
)
def test_check_images_rejects_bad_input(x, message):
    with pytest.raises(ValueError, match=message):
        utils.check_images(x)


@pytest.mark.parametrize("x", [None, "digits.png", {"x": 1}, np.array(["a", "b"])])
def test_check_images_rejects_non_arrays_with_a_type_error(x):
    with pytest.raises(TypeError, match="x must be a batch of images"):
        utils.check_images(x)


def test_check_images_returns_its_input():
    x = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    assert utils.check_images(x) is x


def test_data_files_in_repo_match_their_checksums():
    for name, (filename, digest) in utils.DATASETS.items():
        path = data_module.DATA_DIR / filename
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name


def test_quick_mode_reads_the_environment(monkeypatch):
    monkeypatch.setenv(utils.QUICK_ENV_VAR, "1")
    assert utils.quick_mode() is True
    monkeypatch.setenv(utils.QUICK_ENV_VAR, "0")
    assert utils.quick_mode() is False
    monkeypatch.delenv(utils.QUICK_ENV_VAR)
    assert utils.quick_mode() is False
    monkeypatch.setenv(utils.QUICK_ENV_VAR, "maybe")
    with pytest.raises(ValueError, match="set it to 1"):
        utils.quick_mode()

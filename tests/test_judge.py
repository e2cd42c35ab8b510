"""The digit judge: a checked file, a model that loads on every backend and classifies MNIST well."""

import shutil

import numpy as np
import pytest

import keras

import utils
from utils import judge as judge_module
from utils.judge import (
    JUDGE_FILE,
    class_histogram,
    judge_digits,
    judged_digit_fraction,
    load_digit_judge,
)

pytestmark = pytest.mark.keras_backend


@pytest.fixture(scope="module")
def mnist_test():
    (_, _), (x_test, y_test) = utils.load_dataset("mnist")
    return x_test[:1000], y_test[:1000]


def test_the_judge_file_is_small_and_matches_its_checksum():
    path = utils.data.DATA_DIR / JUDGE_FILE
    assert path.stat().st_size < 1_000_000
    assert judge_module._sha256(path) == judge_module.JUDGE_SHA256


def test_the_judge_loads_on_this_backend_and_classifies_mnist(mnist_test):
    x, y = mnist_test
    judge = load_digit_judge()
    assert isinstance(judge, keras.Model)
    assert judge.input_shape == (None, 28, 28, 1) and judge.output_shape == (None, 10)
    classes, confidence = judge_digits(x, judge)
    assert classes.shape == (1000,) and confidence.shape == (1000,)
    accuracy = np.mean(classes == y)
    assert accuracy >= 0.99, f"{keras.backend.backend()}: accuracy {accuracy:.4f}"
    assert np.all((confidence > 0.1) & (confidence <= 1.0))  # a top probability of 10 classes is >= 0.1


def test_every_image_shape_gives_the_same_verdict(mnist_test):
    x, _ = mnist_test
    x = x[:50]
    reference = judge_digits(x)
    for shaped in (x.reshape(50, 784), x[..., None]):
        classes, confidence = judge_digits(shaped)
        np.testing.assert_array_equal(classes, reference[0])
        np.testing.assert_allclose(confidence, reference[1], rtol=1e-6)


def test_the_judge_is_loaded_once():
    assert load_digit_judge() is load_digit_judge()


def test_non_digits_are_not_judged_digits(mnist_test):
    x, _ = mnist_test
    blank = np.zeros((20, 28, 28), "float32")
    noise = np.random.default_rng(0).random((20, 28, 28)).astype("float32")
    _, digits = judge_digits(x[:200])
    _, junk = judge_digits(np.concatenate([blank, noise]))
    assert judged_digit_fraction(digits) > 0.95
    assert judged_digit_fraction(junk) < judged_digit_fraction(digits) - 0.3


def test_a_flipped_byte_is_refused(tmp_path):
    copy = tmp_path / JUDGE_FILE
    shutil.copy(utils.data.DATA_DIR / JUDGE_FILE, copy)
    load_digit_judge(tmp_path)  # the intact copy loads
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"digit_judge\.keras is not the course's digit judge.*train_digit_judge\.py"):
        load_digit_judge(tmp_path)


def test_a_missing_file_or_folder_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"digit_judge\.keras is missing.*git checkout.*train_digit_judge\.py"):
        load_digit_judge(tmp_path)
    with pytest.raises(FileNotFoundError, match="data_dir must be an existing folder"):
        load_digit_judge(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="data_dir must be a str or a pathlib.Path"):
        load_digit_judge(3)


@pytest.mark.parametrize(
    "images, error, match",
    [
        (np.full((2, 28, 28), 255.0, "float32"), ValueError, r"images must lie in \[0, 1\]"),
        (np.zeros((2, 28, 28), "uint8"), ValueError, "divide uint8 images by 255"),
        (np.zeros((2, 32, 32), "float32"), ValueError, r"MNIST-sized digits.*got shape \(2, 32, 32\)"),
        (np.zeros((2, 28, 28, 3), "float32"), ValueError, "MNIST-sized digits"),
        (np.zeros((28, 28), "float32")[0], ValueError, "non-empty batch of images"),
        (np.full((2, 784), np.nan, "float32"), ValueError, "NaN"),
        (None, TypeError, "images must be a batch of images"),
    ],
)
def test_judge_digits_refuses_bad_images(images, error, match):
    with pytest.raises(error, match=match):
        judge_digits(images)


def test_judge_digits_refuses_a_bad_judge_or_batch_size(mnist_test):
    x, _ = mnist_test
    with pytest.raises(TypeError, match="judge must be a model with a predict method"):
        judge_digits(x[:2], judge="judge")
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1"):
        judge_digits(x[:2], batch_size=0)
    wrong = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"judge must return \(n, 10\) class probabilities"):
        judge_digits(x[:2], judge=wrong)


def test_summaries():
    assert judged_digit_fraction(np.array([0.95, 0.5, 0.9, 0.2])) == 0.5
    assert judged_digit_fraction(np.array([0.95, 0.5]), threshold=0.4) == 1.0
    np.testing.assert_array_equal(class_histogram(np.array([0, 3, 3, 9])), [1, 0, 0, 2, 0, 0, 0, 0, 0, 1])
    assert class_histogram(np.array([2])).shape == (10,)
    confidence = np.array([0.5, 0.6])
    np.testing.assert_array_equal(class_histogram(np.array([3, 4])[confidence >= 0.9]), np.zeros(10))  # none passed


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: judged_digit_fraction(np.array([1.5])), ValueError, r"probabilities in \[0, 1\]"),
        (lambda: judged_digit_fraction(np.zeros((2, 2))), ValueError, r"shape \(n,\)"),
        (lambda: judged_digit_fraction(np.array([0.5]), threshold=0), ValueError, r"threshold must be a finite number in \(0, 1\]"),
        (lambda: judged_digit_fraction(np.array([0.5]), threshold="0.9"), TypeError, "threshold"),
        (lambda: judged_digit_fraction([]), ValueError, "non-empty"),
        (lambda: class_histogram(np.array([0, 10])), ValueError, "whole numbers from 0 to 9"),
        (lambda: class_histogram(np.array([0.5])), ValueError, "whole numbers from 0 to 9"),
        (lambda: class_histogram("3"), TypeError, "classes"),
        (lambda: class_histogram(np.zeros((0, 2))), ValueError, r"shape \(n,\)"),
    ],
)
def test_summaries_refuse_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()

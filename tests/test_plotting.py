import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import utils  # noqa: E402

RNG = np.random.default_rng(0)
IMAGES = RNG.random((12, 28, 28)).astype("float32")


def _is_closed(fig):
    return fig.number not in plt.get_fignums()


def test_plot_images_grid(capsys):
    fig = utils.plot_images(IMAGES, n_cols=5, titles=[str(i) for i in range(12)], suptitle="x")
    assert isinstance(fig, Figure) and _is_closed(fig)
    assert len(fig.axes) == 15  # 3 rows of 5, the last three blank
    assert fig.axes[0].get_title() == "0"
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("shape", [(4, 784), (4, 28, 28), (4, 28, 28, 1)])
def test_plot_images_accepts_flat_and_channel_shapes(shape):
    fig = utils.plot_images(RNG.random(shape).astype("float32"))
    assert fig.axes[0].images[0].get_array().shape == (28, 28)


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((3, 30), "float32"), "not a square image"),
        (np.zeros((3, 28, 28, 3), "float32"), "shape"),
        (np.full((3, 784), 2.0, "float32"), r"\[0, 1\]"),
    ],
)
def test_plot_images_rejects_bad_images(images, message):
    with pytest.raises(ValueError, match=message):
        utils.plot_images(images)


def test_plot_images_rejects_bad_titles_and_columns():
    with pytest.raises(ValueError, match="titles"):
        utils.plot_images(IMAGES, titles=["a"])
    with pytest.raises(ValueError, match="n_cols"):
        utils.plot_images(IMAGES, n_cols=0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"images": None}, TypeError, "images must be a batch of images"),
        ({"n_cols": 2.5}, ValueError, "n_cols must be a whole number >= 1, got 2.5"),
        ({"n_cols": None}, TypeError, "n_cols must be a whole number"),
        ({"titles": "abcdefghijkl"}, TypeError, "titles must be a list or tuple"),
        ({"titles": [str(i) for i in range(13)]}, ValueError, "titles must hold exactly 12 items, got 13"),
    ],
)
def test_plot_images_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.plot_images(**{"images": IMAGES, **kwargs})


def test_plot_reconstructions_rows_in_order():
    noisy = utils.add_gaussian_noise(IMAGES, 0.3)
    fig = utils.plot_reconstructions(IMAGES, IMAGES, extra_rows={"noisy": noisy}, n=6)
    assert len(fig.axes) == 3 * 6
    labels = [fig.axes[r * 6].get_ylabel() for r in range(3)]
    assert labels == ["original", "noisy", "reconstruction"]
    assert _is_closed(fig)


def test_plot_reconstructions_uses_the_shortest_row():
    fig = utils.plot_reconstructions(IMAGES, IMAGES[:4].reshape(4, 784), n=10)
    assert len(fig.axes) == 2 * 4


def test_plot_reconstructions_rejects_mismatched_rows():
    with pytest.raises(ValueError, match="same shape"):
        utils.plot_reconstructions(IMAGES, IMAGES[:, :14, :14])
    with pytest.raises(ValueError, match="n must be"):
        utils.plot_reconstructions(IMAGES, IMAGES, n=0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"extra_rows": [IMAGES]}, TypeError, r"extra_rows must be a dict, got \[array"),
        ({"extra_rows": IMAGES}, TypeError, "extra_rows must be a dict, got ndarray"),
        ({"extra_rows": {"original": IMAGES}}, ValueError, "row labels must differ, got 'original' 2 times"),
        ({"labels": ("same", "same")}, ValueError, "row labels must differ, got 'same' 2 times"),
        ({"labels": ("a",)}, ValueError, "labels must hold exactly 2 items, got 1"),
        ({"labels": "ab"}, TypeError, "labels must be a list or tuple of strings"),
        ({"extra_rows": {"noisy": None}}, TypeError, r"extra_rows\['noisy'\] must be a batch of images"),
        ({"originals": IMAGES * 255}, ValueError, r"originals must lie in \[0, 1\]"),
        ({"n": 2.5}, ValueError, "n must be a whole number >= 1, got 2.5"),
    ],
)
def test_plot_reconstructions_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.plot_reconstructions(**{"originals": IMAGES, "reconstructions": IMAGES, **kwargs})


def test_plot_history_from_dict_and_history_object():
    logs = {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 1.5], "kl": [1, 1, 1]}
    fig = utils.plot_history(logs, metrics=("loss", "kl"))
    assert len(fig.axes) == 2
    assert len(fig.axes[0].get_lines()) == 2 and len(fig.axes[1].get_lines()) == 1

    class History:
        history = logs

    assert len(utils.plot_history(History(), log_y=True).axes) == 1


def test_plot_history_rejects_unknown_metric():
    with pytest.raises(ValueError, match="has no"):
        utils.plot_history({"loss": [1.0]}, metrics=("accuracy",))
    with pytest.raises(ValueError, match="History or a dict"):
        utils.plot_history([1.0, 2.0])


def test_plot_history_draws_a_run_that_diverged_half_way():
    fig = utils.plot_history({"loss": [2.0, 1.0, float("nan")]})
    assert len(fig.axes[0].get_lines()) == 1


NAN = float("nan")


@pytest.mark.parametrize(
    "history, kwargs, error, match",
    [
        ({"loss": [1.0]}, {"metrics": "loss"}, TypeError, r"metrics must be .* write metrics=\('loss',\)"),
        ({"loss": [1.0]}, {"metrics": ()}, ValueError, "metrics must hold at least 1 item"),
        ({"loss": [1.0]}, {"metrics": ["loss", 1]}, TypeError, "every item of metrics must be a str"),
        ({"loss": []}, {}, ValueError, r"history\['loss'\] must be non-empty"),
        ({"loss": [NAN, NAN]}, {}, ValueError, r"history\['loss'\] must hold at least one finite value"),
        ({"loss": [1.0, 2.0], "val_loss": [1.0]}, {}, ValueError, r"history\['val_loss'\] must hold one value per epoch"),
        ({"loss": ["high", "low"]}, {}, TypeError, r"history\['loss'\] must be an array of shape \(n,\)"),
        ({"loss": [[1.0, 2.0]]}, {}, ValueError, r"history\['loss'\] must be an array of shape \(n,\)"),
        ({"loss": [1.0]}, {"log_y": "yes"}, TypeError, "log_y must be True or False"),
    ],
)
def test_plot_history_refuses_bad_arguments(history, kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.plot_history(history, **kwargs)


def test_plot_latent_2d():
    codes = RNG.normal(size=(50, 2))
    labels = RNG.integers(0, 10, 50)
    fig = utils.plot_latent_2d(codes, labels, title="z")
    assert fig.axes[0].get_title() == "z"
    assert len(fig.axes) == 2  # scatter and colour bar
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        utils.plot_latent_2d(RNG.normal(size=(50, 3)), labels)
    with pytest.raises(ValueError, match="labels must have shape"):
        utils.plot_latent_2d(codes, labels[:10])


def test_plot_latent_2d_names_the_classes():
    labels = np.arange(50) % 3
    fig = utils.plot_latent_2d(RNG.normal(size=(50, 2)), labels, class_names=("a", "b", "c"))
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "codes, labels, kwargs, error, match",
    [
        (np.zeros((0, 2)), np.zeros(0), {}, ValueError, "codes must be non-empty"),
        (np.full((5, 2), NAN), np.arange(5), {}, ValueError, "codes must be finite, got 10 NaN"),
        (None, np.arange(5), {}, TypeError, "codes must be an array of shape"),
        (np.zeros((5, 2)), np.array([0, 1, NAN, 1, 0]), {}, ValueError, "labels must be finite"),
        (np.zeros((5, 2)), np.array([0, 0.5, 1, 1, 0]), {}, ValueError, "labels must be integer class ids"),
        (np.zeros((5, 2)), np.arange(5), {"class_names": ["zero", "one"]}, ValueError,
         r"class_names must hold a name for every class id in labels, from 0 to 4, got 2 name\(s\)"),
        (np.zeros((5, 2)), np.arange(5) - 1, {"class_names": list("abcde")}, ValueError, "class_names must hold"),
        (np.zeros((5, 2)), np.arange(5), {"class_names": "abcde"}, TypeError, "class_names must be a list or tuple"),
    ],
)
def test_plot_latent_2d_refuses_bad_arguments(codes, labels, kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.plot_latent_2d(codes, labels, **kwargs)


class FakeDecoder:
    """Records calls; maps a code (a, b) to an image of constant sigmoid(a)."""

    def __init__(self):
        self.calls = []

    def predict(self, z, batch_size=None, verbose="auto"):
        self.calls.append((z.shape, batch_size, verbose))
        values = 1 / (1 + np.exp(-z[:, :1]))
        return np.repeat(values, 784, axis=1).astype("float32")


def test_plot_latent_manifold_decodes_once_in_a_batch():
    decoder = FakeDecoder()
    fig = utils.plot_latent_manifold(decoder, n=7)
    assert decoder.calls == [((49, 2), 49, 0)]
    canvas = fig.axes[0].images[0].get_array()
    assert canvas.shape == (7 * 28, 7 * 28)
    # z[0] grows from left to right, so the left column is darker than the right
    assert canvas[:, :28].mean() < canvas[:, -28:].mean()


def test_latent_grid_orders_codes_as_the_figure_shows_them():
    codes, z0, z1 = utils.latent_grid(3, ranges=((-5.0, 41.0), (0.0, 2.0)))
    assert codes.shape == (9, 2) and codes.dtype == np.float32
    np.testing.assert_allclose(z0, [-5.0, 18.0, 41.0])
    np.testing.assert_allclose(z1, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(codes[:3], [[-5, 2], [18, 2], [41, 2]])  # the top row: largest z[1]
    np.testing.assert_allclose(codes[-3:], [[-5, 0], [18, 0], [41, 0]])
    quantiles, q0, _ = utils.latent_grid(5)
    np.testing.assert_allclose(q0[[0, 2, 4]], [-1.6449, 0.0, 1.6449], atol=1e-4)
    symmetric, s0, s1 = utils.latent_grid(2, extent=3.0)
    np.testing.assert_allclose(s0, [-3, 3]) and np.testing.assert_allclose(s1, [-3, 3])


def test_plot_latent_manifold_labels_ticks_with_the_decoded_values():
    fig = utils.plot_latent_manifold(FakeDecoder(), n=5, ranges=((-5.0, 35.0), (1.0, 2.0)))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-5", "5", "15", "25", "35"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "1.8", "1.5", "1.2", "1"]
    quantile = utils.plot_latent_manifold(FakeDecoder(), n=5)
    assert [t.get_text() for t in quantile.axes[0].get_xticklabels()] == ["-1.6", "-0.6", "0", "0.6", "1.6"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"extent": 2.0, "ranges": ((0, 1), (0, 1))}, ValueError, "pass extent or ranges, not both"),
        ({"ranges": ((0, 1),)}, ValueError, "ranges must hold exactly 2 items"),
        ({"ranges": ((1, 0), (0, 1))}, ValueError, r"ranges\[0\] must be \(low, high\) with low < high"),
        ({"ranges": ((0, 1), (0, float("nan")))}, ValueError, r"ranges\[1\]\[1\] must be a finite number"),
        ({"ranges": ((0, 1), "ab")}, TypeError, r"ranges\[1\] must be a list or tuple"),
        ({"n": 1}, ValueError, "n must be"),
    ],
)
def test_latent_grid_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.latent_grid(**kwargs)


def test_plot_latent_manifold_rejects_bad_grid():
    with pytest.raises(ValueError, match="n must be"):
        utils.plot_latent_manifold(FakeDecoder(), n=1)
    with pytest.raises(ValueError, match="extent"):
        utils.plot_latent_manifold(FakeDecoder(), extent=-1.0)


class ConstantDecoder:
    """Decodes every code to ``pixels`` values ``fill``; with ``latent_dim`` != 2 it fails like Keras."""

    def __init__(self, fill=0.5, pixels=784, latent_dim=2):
        self.fill, self.pixels, self.latent_dim = fill, pixels, latent_dim

    def predict(self, z, batch_size=None, verbose="auto"):
        if z.shape[1] != self.latent_dim:
            raise ValueError(f"expected shape=(None, {self.latent_dim}), found shape={z.shape}")
        return np.full((len(z), self.pixels), self.fill, "float32")


@pytest.mark.parametrize(
    "decoder, kwargs, error, match",
    [
        (None, {}, TypeError, r"decoder must be a model with a predict method \(a keras.Model\), got None"),
        (FakeDecoder(), {"n": 2.5}, ValueError, "n must be a whole number >= 2, got 2.5"),
        (FakeDecoder(), {"extent": float("inf")}, ValueError, "extent must be a finite number > 0, got inf"),
        (FakeDecoder(), {"extent": "3"}, TypeError, "extent must be a finite number"),
        (FakeDecoder(), {"image_shape": (28,)}, ValueError, "image_shape must hold exactly 2 items"),
        (FakeDecoder(), {"image_shape": (14, 14)}, ValueError,
         r"the decoder's output must be 225 images of image_shape \(14, 14\), got shape \(225, 784\)"),
        (ConstantDecoder(fill=NAN), {}, ValueError, "the decoder's output contains NaN"),
        (ConstantDecoder(fill=3.0), {}, ValueError, r"the decoder's output must lie in \[0, 1\]"),
        (ConstantDecoder(latent_dim=3), {}, ValueError, "decoder must map 2-D codes to images.*expected shape"),
    ],
)
def test_plot_latent_manifold_refuses_bad_arguments(decoder, kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.plot_latent_manifold(decoder, **kwargs)


def test_plot_code_histogram():
    fig = utils.plot_code_histogram({"plain": RNG.random((20, 32)), "sparse": np.zeros((20, 32))})
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[1] == "sparse (mean 0.000)"
    with pytest.raises(ValueError, match="at least one"):
        utils.plot_code_histogram({})
    with pytest.raises(ValueError, match="non-empty"):
        utils.plot_code_histogram({"a": np.array([])})


@pytest.mark.parametrize(
    "codes, kwargs, error, match",
    [
        (RNG.random((20, 32)), {}, TypeError, r"codes must be a dict, got ndarray .* plot_code_histogram\(\{'codes'"),
        ([RNG.random((20, 32))], {}, TypeError, "codes must be a dict"),
        ({"a": [[0.1, NAN]]}, {}, ValueError, r"codes\['a'\] must be finite, got 1 NaN"),
        ({"a": np.array(["x", "y"])}, {}, TypeError, r"codes\['a'\] must be a numeric array"),
        ({"a": RNG.random(5)}, {"bins": 0}, ValueError, "bins must be a whole number >= 1, got 0"),
        ({"a": RNG.random(5)}, {"bins": 2.5}, ValueError, "bins must be a whole number"),
        ({"a": RNG.random(5)}, {"log_y": None}, TypeError, "log_y must be True or False"),
    ],
)
def test_plot_code_histogram_refuses_bad_arguments(codes, kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.plot_code_histogram(codes, **kwargs)

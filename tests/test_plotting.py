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


def test_plot_latent_manifold_rejects_bad_grid():
    with pytest.raises(ValueError, match="n must be"):
        utils.plot_latent_manifold(FakeDecoder(), n=1)
    with pytest.raises(ValueError, match="extent"):
        utils.plot_latent_manifold(FakeDecoder(), extent=-1.0)


def test_plot_code_histogram():
    fig = utils.plot_code_histogram({"plain": RNG.random((20, 32)), "sparse": np.zeros((20, 32))})
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[1] == "sparse (mean 0.000)"
    with pytest.raises(ValueError, match="at least one"):
        utils.plot_code_histogram({})
    with pytest.raises(ValueError, match="non-empty"):
        utils.plot_code_histogram({"a": np.array([])})

import numpy as np
import pytest

import keras
from keras import ops

from utils.layers import ContractiveDense, KLSparsity, TiedDense, contractive_penalty

pytestmark = pytest.mark.keras_backend


def numpy(x):
    return ops.convert_to_numpy(x)


def test_kl_sparsity_is_zero_at_the_target_and_positive_elsewhere():
    reg = KLSparsity(rho=0.05, beta=1.0)
    assert abs(float(numpy(reg(ops.full((8, 4), 0.05))))) < 1e-6
    assert float(numpy(reg(ops.full((8, 4), 0.5)))) > 0


def test_kl_sparsity_matches_the_formula_times_the_batch_size():
    rng = np.random.default_rng(0)
    h = rng.uniform(0.01, 0.99, size=(6, 5)).astype("float32")
    rho, beta = 0.1, 0.3
    rho_hat = h.mean(axis=0)
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    got = float(numpy(KLSparsity(rho, beta)(h)))
    assert got == pytest.approx(beta * kl.sum() * 6, rel=1e-5)


def test_kl_sparsity_as_activity_regularizer_adds_the_batch_penalty():
    # Keras divides activity penalties by the batch size; KLSparsity undoes it.
    layer = keras.layers.Dense(3, activation="sigmoid", activity_regularizer=KLSparsity(0.2, 1.0))
    x = np.random.default_rng(1).normal(size=(10, 4)).astype("float32")
    h = layer(x)
    assert len(layer.losses) == 1
    expected = float(numpy(KLSparsity(0.2, 1.0)(h))) / 10
    assert float(numpy(layer.losses[0])) == pytest.approx(expected, rel=1e-5)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"rho": 0.0}, ValueError, r"rho .* \(0, 1\)"),
        ({"rho": 1.5}, ValueError, r"rho .* \(0, 1\)"),
        ({"rho": NAN}, ValueError, r"rho must be a finite number in \(0, 1\), got nan"),
        ({"rho": True}, ValueError, "rho must be a finite number"),
        ({"rho": None}, TypeError, "rho must be a finite number"),
        ({"beta": -0.1}, ValueError, "beta"),
        ({"beta": NAN}, ValueError, "beta must be a finite number >= 0, got nan"),
        ({"beta": INF}, ValueError, "beta must be a finite number >= 0, got inf"),
        ({"beta": "0.1"}, TypeError, "beta must be a finite number >= 0"),
    ],
)
def test_kl_sparsity_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        KLSparsity(**kwargs)


def test_contractive_penalty_matches_the_jacobian_of_a_sigmoid_layer():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(5, 3)).astype("float32")
    b = rng.normal(size=3).astype("float32")
    x = rng.normal(size=(4, 5)).astype("float32")
    h = 1 / (1 + np.exp(-(x @ w + b)))
    # J[n] = diag(h (1 - h)) @ W.T, shape (3, 5) per example
    jac = (h * (1 - h))[:, :, None] * w.T[None]
    expected = (jac ** 2).sum(axis=(1, 2))
    np.testing.assert_allclose(numpy(contractive_penalty(h, w)), expected, rtol=1e-5)  # float32 on every backend


def test_contractive_dense_adds_lambda_times_the_mean_penalty():
    layer = ContractiveDense(3, lam=0.5)
    x = np.random.default_rng(3).normal(size=(6, 4)).astype("float32")
    h = layer(x)
    assert tuple(h.shape) == (6, 3)
    expected = 0.5 * numpy(contractive_penalty(h, layer.kernel)).mean()
    assert float(numpy(layer.losses[0])) == pytest.approx(float(expected), rel=1e-5)
    plain = ContractiveDense(3, lam=0.0)
    plain(x)
    assert plain.losses == []


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"units": 0}, ValueError, "units"),
        ({"units": 2.5}, ValueError, "units"),
        ({"units": 4, "lam": -1.0}, ValueError, "lam"),
        ({"units": INF}, ValueError, "units must be a whole number >= 1, got inf"),
        ({"units": True}, ValueError, "units must be a whole number >= 1, got True"),
        ({"units": None}, TypeError, "units must be a whole number >= 1, got None"),
        ({"units": 4, "lam": NAN}, ValueError, "lam must be a finite number >= 0, got nan"),
        ({"units": 4, "lam": None}, TypeError, "lam must be a finite number >= 0, got None"),
    ],
)
def test_contractive_dense_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ContractiveDense(**kwargs)


def test_contractive_dense_accepts_whole_numbers_of_any_type():
    assert ContractiveDense(np.int64(4)).units == 4 and ContractiveDense(4.0).get_config()["units"] == 4


@pytest.mark.parametrize(
    "h, kernel, match",
    [
        (np.zeros((4, 3)), np.zeros((5, 4)), "axis 'units' of kernel has size 4, but h has 3"),
        (np.zeros((4, 3, 2)), np.zeros((5, 3)), r"h must have shape \(batch, units\), got shape \(4, 3, 2\)"),
        (np.zeros((4, 3)), np.zeros(3), r"kernel must have shape \(inputs, units\)"),
        (keras.KerasTensor((None, 3)), keras.KerasTensor((5, 4)), "axis 'units'"),  # when a graph is built
    ],
)
def test_contractive_penalty_checks_static_shapes(h, kernel, match):
    with pytest.raises(ValueError, match=f"contractive_penalty: .*{match}"):
        contractive_penalty(h, kernel)


def sparse_contractive_model():
    inputs = keras.Input(shape=(12,))
    code = ContractiveDense(4, lam=0.01, name="code")(inputs)
    sparse = keras.layers.Dense(6, activation="sigmoid", activity_regularizer=KLSparsity(0.1, 0.5), name="sparse")(code)
    outputs = keras.layers.Dense(12, activation="sigmoid")(sparse)
    return keras.Model(inputs, outputs, name="penalised")


def test_penalised_model_saves_and_loads_with_identical_outputs_and_losses(tmp_path):
    keras.utils.set_random_seed(0)
    model = sparse_contractive_model()
    x = np.random.default_rng(4).random((16, 12)).astype("float32")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, x, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "penalised.keras")
    restored = keras.saving.load_model(tmp_path / "penalised.keras")
    assert isinstance(restored.get_layer("code"), ContractiveDense)
    assert restored.get_layer("code").get_config() == model.get_layer("code").get_config()
    assert restored.get_layer("sparse").activity_regularizer.get_config() == {"rho": 0.1, "beta": 0.5}
    np.testing.assert_array_equal(model.predict(x, verbose=0), restored.predict(x, verbose=0))
    # The penalties travel too: the same total loss, penalties included.
    assert restored.evaluate(x, x, verbose=0) == pytest.approx(model.evaluate(x, x, verbose=0), rel=1e-6)


def tied_autoencoder(inputs=12, hidden=6, code=3):
    """inputs -> hidden -> code -> hidden -> inputs, every decoder kernel the transposed encoder kernel."""
    first = TiedDense(hidden, activation="relu", transpose_activation="sigmoid", name="tied_1")
    second = TiedDense(code, transpose_activation="relu", name="tied_2")
    x = keras.Input(shape=(inputs,))
    outputs = first(second(second(first(x)), transpose=True), transpose=True)
    return keras.Model(x, outputs, name="tied")


def test_tied_dense_computes_both_directions_with_one_kernel():
    layer = TiedDense(3, activation="relu", transpose_activation="sigmoid")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4)).astype("float32")
    layer(x)  # builds the weights
    layer.bias.assign(rng.normal(size=3).astype("float32"))
    layer.transpose_bias.assign(rng.normal(size=4).astype("float32"))
    h = numpy(layer(x))
    kernel, bias, transpose_bias = (numpy(w) for w in (layer.kernel, layer.bias, layer.transpose_bias))
    np.testing.assert_allclose(h, np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    back = numpy(layer(h, transpose=True))
    np.testing.assert_allclose(back, 1 / (1 + np.exp(-(h @ kernel.T + transpose_bias))), rtol=1e-5, atol=1e-6)
    assert kernel.shape == (4, 3) and transpose_bias.shape == (4,) and len(layer.trainable_weights) == 3
    assert np.abs(transpose_bias).min() > 0 and np.abs(numpy(layer.bias)).min() > 0  # the biases took part


def test_tied_dense_transposed_call_trains_the_shared_kernel_and_its_own_bias():
    keras.utils.set_random_seed(1)
    layer = TiedDense(3, transpose_activation="sigmoid")
    layer(np.zeros((1, 6), "float32"))  # the forward call sets the input width to 6
    h = keras.Input(shape=(3,))
    decoder = keras.Model(h, layer(h, transpose=True))  # uses only the transposed direction
    before = [numpy(w).copy() for w in (layer.kernel, layer.bias, layer.transpose_bias)]
    rng = np.random.default_rng(2)
    decoder.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    decoder.fit(rng.normal(size=(32, 3)).astype("float32"), rng.random((32, 6)).astype("float32"), epochs=2, verbose=0)
    kernel, bias, transpose_bias = (numpy(w) for w in (layer.kernel, layer.bias, layer.transpose_bias))
    assert not np.allclose(kernel, before[0]) and not np.allclose(transpose_bias, before[2])
    np.testing.assert_array_equal(bias, before[1])  # the forward bias plays no part in the transposed call


def test_tied_autoencoder_has_about_half_the_parameters_of_the_untied_one():
    untied = keras.Sequential([keras.Input((12,)), *(keras.layers.Dense(n) for n in (6, 3, 6, 12))])
    assert tied_autoencoder().count_params() == 12 * 6 + 6 * 3 + (6 + 3) + (6 + 12)
    assert tied_autoencoder().count_params() < 0.6 * untied.count_params()


def test_tied_model_trains_both_directions_and_saves_and_loads_with_the_tie_intact(tmp_path):
    keras.utils.set_random_seed(0)
    model = tied_autoencoder()
    x = np.random.default_rng(4).random((32, 12)).astype("float32")
    kernel_before = numpy(model.get_layer("tied_1").kernel).copy()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, x, epochs=2, batch_size=8, verbose=0)
    assert not np.allclose(kernel_before, numpy(model.get_layer("tied_1").kernel))
    model.save(tmp_path / "tied.keras")
    restored = keras.saving.load_model(tmp_path / "tied.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), restored.predict(x, verbose=0))
    assert [w.path for w in restored.weights] == [
        "tied_1/kernel", "tied_1/bias", "tied_1/transpose_bias", "tied_2/kernel", "tied_2/bias", "tied_2/transpose_bias"
    ]
    assert restored.get_layer("tied_1").get_config() == model.get_layer("tied_1").get_config()
    assert len(restored.layers) == 3, "one input and two layers, each called twice"


@pytest.mark.parametrize(
    "units, error, match",
    [(0, ValueError, "units must be a whole number >= 1, got 0"), (None, TypeError, "units must be a whole number >= 1")],
)
def test_tied_dense_rejects_bad_units(units, error, match):
    with pytest.raises(error, match=match):
        TiedDense(units)


def test_tied_dense_refuses_a_transposed_call_before_its_forward_call():
    with pytest.raises(ValueError, match="transpose=True before its forward call"):
        TiedDense(3)(np.zeros((2, 3), "float32"), transpose=True)


@pytest.mark.parametrize("transpose, width, match", [(False, 5, "forward call expects inputs of width 4"), (True, 4, "transposed call expects inputs of width 3")])
def test_tied_dense_checks_the_input_width(transpose, width, match):
    layer = TiedDense(3, name="tied")
    layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=f"^TiedDense 'tied': the {match}"):
        layer(np.zeros((2, width), "float32"), transpose=transpose)
    with pytest.raises(ValueError, match=f"^TiedDense 'tied': the {match}"):  # and when a functional graph is built
        layer(keras.Input(shape=(width,)), transpose=transpose)

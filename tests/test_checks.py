"""utils.checks: each check returns what it promises and refuses the rest, naming the argument."""

import numpy as np
import pytest

from utils import checks

NAN, INF = float("nan"), float("inf")

# check, positional arguments (name first), keyword arguments, expected result (value and type)
ACCEPTED = [
    (checks.positive_int, ("n", 3), {}, 3),
    (checks.positive_int, ("n", np.int64(3)), {}, 3),
    (checks.positive_int, ("n", 4.0), {}, 4),
    (checks.positive_int, ("n", 2), {"minimum": 2, "maximum": 2}, 2),
    (checks.finite_number, ("learning_rate", 1e-3), {"above": 0}, 1e-3),
    (checks.finite_number, ("beta", 0), {"minimum": 0}, 0.0),
    (checks.finite_number, ("rho", np.float32(0.5)), {"above": 0, "below": 1}, 0.5),
    (checks.finite_number, ("x", np.array(2.0)), {}, 2.0),
    (checks.boolean, ("flatten", np.bool_(True)), {}, True),
    (checks.one_of, ("kind", "bce", ("mse", "bce")), {}, "bce"),
    (checks.sequence, ("metrics", ("loss", "kl")), {"of": str, "min_length": 1}, ["loss", "kl"]),
    (checks.sequence, ("image_shape", [28, 28]), {"length": 2}, [28, 28]),
]


@pytest.mark.parametrize("check, args, kwargs, expected", ACCEPTED)
def test_checks_return_valid_values_converted(check, args, kwargs, expected):
    result = check(*args, **kwargs)
    assert result == expected and type(result) is type(expected)


# check, positional arguments (name first), keyword arguments, exception, message pattern
REFUSED = [
    (checks.positive_int, ("n", 2.5), {}, ValueError, r"n must be a whole number >= 1, got 2\.5\. Pass"),
    (checks.positive_int, ("n", True), {}, ValueError, "True is a bool"),
    (checks.positive_int, ("epochs", INF), {}, ValueError, "epochs must be a whole number"),
    (checks.positive_int, ("epochs", NAN), {}, ValueError, "got nan"),
    (checks.positive_int, ("n", 0), {}, ValueError, ">= 1, got 0"),
    (checks.positive_int, ("n", 5), {"maximum": 4}, ValueError, "between 1 and 4, got 5"),
    (checks.positive_int, ("n", None), {}, TypeError, "n must be a whole number >= 1, got None"),
    (checks.positive_int, ("n", "3"), {}, TypeError, "got '3'"),
    (checks.finite_number, ("learning_rate", NAN), {"above": 0}, ValueError, r"learning_rate must be a finite number > 0, got nan"),
    (checks.finite_number, ("lam", INF), {"minimum": 0}, ValueError, r"lam must be a finite number >= 0, got inf"),
    (checks.finite_number, ("learning_rate", True), {"above": 0}, ValueError, "True is a bool"),
    (checks.finite_number, ("learning_rate", 0.0), {"above": 0}, ValueError, "> 0, got 0.0"),
    (checks.finite_number, ("rho", 1.0), {"above": 0, "below": 1}, ValueError, r"rho must be a finite number in \(0, 1\)"),
    (checks.finite_number, ("p", 2), {"minimum": 0, "maximum": 1}, ValueError, r"in \[0, 1\], got 2"),
    (checks.finite_number, ("x", 2), {"maximum": 1}, ValueError, "<= 1, got 2"),
    (checks.finite_number, ("noise_factor", None), {}, TypeError, "noise_factor must be a finite number, got None"),
    (checks.finite_number, ("noise_factor", "0.1"), {}, TypeError, "got '0.1'"),
    (checks.finite_number, ("x", [1.0]), {}, TypeError, r"got \[1\.0\] \(a list\)"),
    (checks.boolean, ("flatten", "yes"), {}, TypeError, "flatten must be True or False, got 'yes'. Write flatten=True"),
    (checks.boolean, ("flatten", 1), {}, TypeError, "flatten must be True or False"),
    (checks.one_of, ("name", ["mnist"], ("mnist", "fashion_mnist")), {}, TypeError,
     r"name must be one of the strings 'mnist' or 'fashion_mnist', got \['mnist'\]"),
    (checks.one_of, ("kind", "mae", ("mse", "bce")), {}, ValueError, "kind must be 'mse' or 'bce', got 'mae'"),
    (checks.sequence, ("metrics", "loss"), {"of": str}, TypeError, r"read as its letters: write metrics=\('loss',\)"),
    (checks.sequence, ("titles", {"a": 1}), {}, TypeError, "titles must be a list or tuple"),
    (checks.sequence, ("titles", 5), {}, TypeError, "titles must be a list or tuple"),
    (checks.sequence, ("labels", ("a",)), {"length": 2}, ValueError, "labels must hold exactly 2 items, got 1"),
    (checks.sequence, ("metrics", ()), {"min_length": 1}, ValueError, "metrics must hold at least 1"),
    (checks.sequence, ("metrics", ["loss", 3]), {"of": str}, TypeError, "every item of metrics must be a str, got 3"),
    (checks.mapping, ("codes", np.zeros(3)), {}, TypeError, "codes must be a dict, got ndarray of shape"),
    (checks.samples, ("x", None), {}, TypeError, r"x must be an array of samples, shape \(n, \.\.\.\), got None"),
    (checks.samples, ("x", 5), {}, ValueError, "x must be an array of samples"),
    (checks.samples, ("y", {"a": 1}), {}, TypeError, "y must be an array of samples"),
    (checks.finite_array, ("codes", [[0.0, NAN]]), {}, ValueError, "codes must be finite, got 1 NaN or infinite"),
    (checks.finite_array, ("codes", np.zeros((0, 2))), {"shape": (None, 2)}, ValueError, "codes must be non-empty"),
    (checks.finite_array, ("codes", np.zeros((3, 3))), {"shape": (None, 2)}, ValueError, r"shape \(n, 2\), got"),
    (checks.finite_array, ("codes", ["a"]), {}, TypeError, "codes must be a numeric array"),
    (checks.finite_array, ("loss", [NAN, INF]), {"all_finite": False}, ValueError, "loss must hold at least one finite"),
    (checks.finite_array, ("codes", [[1.0], [1.0, 2.0]]), {}, ValueError, "NumPy cannot read it as one array"),
    (checks.images, ("x", None), {}, TypeError, "x must be a batch of images"),
    (checks.images, ("x", "image.png"), {}, TypeError, "x must be a batch of images"),
    (checks.images, ("x", np.zeros((2, 4), np.uint8)), {}, ValueError, "divide uint8 images by 255"),
    (checks.images, ("x", np.ones((2, 4), np.int64)), {}, ValueError, r"x\.astype\('float32'\)"),
    (checks.images, ("x", np.ones((2, 4), bool)), {}, ValueError, r"x\.astype\('float32'\)"),
    (checks.images, ("x", np.zeros(4, "float32")), {}, ValueError, r"x\[None\]"),
    (checks.images, ("x_pred", np.full((2, 4), 255.0)), {}, ValueError, r"x_pred must lie in \[0, 1\], got values in \[255, 255\]"),
    (checks.images, ("x", np.full((2, 4), NAN)), {}, ValueError, "x contains NaN"),
    (checks.grey_images, ("images", np.zeros((2, 30))), {}, ValueError, "30 values per image is not a square image"),
    (checks.grey_images, ("images", np.zeros((2, 8, 8, 3))), {}, ValueError, "images must have shape .* grey"),
    (checks.grey_images, ("x_true", np.zeros((2, 5, 5))), {"min_side": 7}, ValueError, "at least 7x7 pixels, got 5x5"),
    (checks.numpy_images, ("x", np.full((2, 4), 255.0)), {}, ValueError, r"x must lie in \[0, 1\]"),
    (checks.numpy_images, ("validation_data", (np.full((2, 4), 2.0),)), {}, ValueError, r"validation_data\[0\] must lie"),
    (checks.instance, ("vae", 3, dict), {}, TypeError, "vae must be a dict, got 3"),
    (checks.instance, ("data_dir", 3, (str,)), {"fix": "Pass a path."}, TypeError, "data_dir must be a str, got 3. Pass a path."),
    (checks.predictor, ("decoder", None), {}, TypeError, "decoder must be a model with a predict method"),
    (checks.tensor_axes, ("contractive_penalty",),
     {"h": (np.zeros((4, 3)), "batch units"), "kernel": (np.zeros((5, 4)), "inputs units")},
     ValueError, r"contractive_penalty: axis 'units' of kernel has size 4, but h has 3"),
    (checks.tensor_axes, ("contractive_penalty",), {"h": (np.zeros((4, 3, 2)), "batch units")},
     ValueError, r"h must have shape \(batch, units\), got shape \(4, 3, 2\)"),
    (checks.latent_tensors, ("Sampling's inputs", ("z_mean", "z_log_var"), [(None, 2), (None, 3)]), {},
     ValueError, "axis 'latent_dim' of z_log_var has size 3, but z_mean has 2"),
    (checks.latent_tensors, ("Sampling's inputs", ("z_mean", "z_log_var"), (None, 2)), {},
     ValueError, r"must be \[z_mean, z_log_var\], .* got a single tensor of shape \(None, 2\)"),
    (checks.latent_tensors, ("the encoder's outputs", ("z_mean", "z_log_var", "z"), [(None, 2)]), {},
     ValueError, r"must be \[z_mean, z_log_var, z\], .* got 1 tensor"),
    (checks.latent_tensors, ("Sampling's inputs", ("z_mean", "z_log_var"), [(None, 2, 1), (None, 2, 1)]), {},
     ValueError, r"z_mean must have shape \(batch, latent_dim\)"),
    (checks.encoder_outputs, (np.zeros((4, 2)),), {}, ValueError, "the encoder's outputs must be .* a single tensor"),
    (checks.encoder_outputs, ({"z": np.zeros((4, 2))},), {}, ValueError, r"the encoder's outputs must be .* got \{'z'"),
    (checks.encoder_outputs, ([],), {}, ValueError, "the encoder's outputs must be .* got 0 tensor"),
    (checks.same_pixels, ("x", (None, 784), "x_hat", (None, 16)), {}, ValueError,
     "x_hat must hold as many images and pixels per image as x.*16 and 784 pixels"),
    (checks.same_pixels, ("x", (2, 4), "x_hat", (3, 4)), {}, ValueError, "x_hat must hold as many images"),
    (checks.same_pixels, ("x", (784,), "x_hat", (None, 784)), {}, ValueError, "x must be a batch of images"),
]


@pytest.mark.parametrize("check, args, kwargs, error, match", REFUSED)
def test_checks_refuse_bad_values_naming_the_argument(check, args, kwargs, error, match):
    """TypeError for the wrong kind of object, ValueError for a wrong value of the right kind."""
    with pytest.raises(error, match=match) as info:
        check(*args, **kwargs)
    assert type(info.value) is error
    assert not isinstance(args[0], str) or args[0] in str(info.value)  # the argument (or the function) is named


@pytest.mark.parametrize(
    "check, args",
    [
        (checks.tensor_axes, ("contractive_penalty",)),  # no specs: nothing to compare
        (checks.same_pixels, ("x", (None, 784), "x_hat", (None, 28, 28))),
        (checks.same_pixels, ("x", (None, 784), "x_hat", (None, None))),  # unknown sizes match anything
        (checks.latent_tensors, ("inputs", ("z_mean", "z_log_var"), [(None, 2), (8, None)])),
        (checks.numpy_images, ("x", None)),
        (checks.numpy_images, ("x", [[255.0]])),  # only NumPy arrays are read on the host
    ],
)
def test_shape_checks_accept_compatible_shapes(check, args):
    check(*args)


def test_images_and_grey_images_return_arrays():
    x = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    assert checks.images("x", x) is x
    assert checks.grey_images("x", x.reshape(3, 784)).shape == (3, 28, 28)
    assert checks.grey_images("x", x[..., None]).shape == (3, 28, 28)
    assert checks.grey_images("x", x[:, :14, :]).shape == (3, 14, 28)  # not square: the shape is known


def test_tensor_axes_returns_the_sizes():
    sizes = checks.tensor_axes("f", h=(np.zeros((4, 3)), "batch units"), kernel=((None, 3), "inputs units"))
    assert sizes == {"batch": 4, "units": 3, "inputs": None}


def test_describe_is_short():
    assert checks.describe(np.zeros((1000, 784), "float32")) == "ndarray of shape (1000, 784) and dtype float32"
    assert len(checks.describe(list(range(1000)))) < 80
    assert checks.describe(np.float32(0.5)) == "0.5" and checks.describe(None) == "None"


@pytest.mark.keras_backend
class TestKerasChecks:
    """The checks that take Keras models and tensors."""

    @staticmethod
    def functional(inputs, outputs):
        import keras

        x = keras.Input(shape=inputs)
        return keras.Model(x, keras.layers.Dense(outputs)(keras.layers.Flatten()(x)))

    def test_keras_model_refuses_other_objects(self):
        import keras

        for value in (None, keras.layers.Dense(2), np.zeros(3)):
            with pytest.raises(TypeError, match="encoder must be a keras.Model"):
                checks.keras_model("encoder", value)
        model = self.functional((4,), 2)
        assert checks.keras_model("encoder", model) is model

    def test_model_input_compares_with_the_declared_input(self):
        import keras

        model = self.functional((16,), 2)
        with pytest.raises(ValueError, match=r"x must have shape \(n, 16\), the input of .*, got shape \(2, 4, 4\)"):
            checks.model_input("x", np.zeros((2, 4, 4)), model)
        x = np.zeros((2, 16))
        assert checks.model_input("x", x, model) is x

        class Subclassed(keras.Model):
            def call(self, x):
                return x

        assert checks.model_input("x", np.zeros((2, 4, 4)), Subclassed()) is not None  # declares nothing

    def test_numpy_images_leaves_tensors_alone(self):
        from keras import ops

        tensor = ops.ones((2, 4)) * 255
        assert checks.numpy_images("x", tensor) is tensor

    def test_static_checks_read_symbolic_shapes(self):
        import keras

        z_mean, z_log_var = keras.KerasTensor((None, 2)), keras.KerasTensor((None, 3))
        with pytest.raises(ValueError, match="latent_dim"):
            checks.latent_tensors("inputs", ("z_mean", "z_log_var"), [z_mean, z_log_var])
        with pytest.raises(ValueError, match="pixels"):
            checks.same_pixels("x", keras.KerasTensor((None, 16)), "x_hat", keras.KerasTensor((None, 8)))


def test_declared_inputs_of_functional_subclassed_and_unbuilt_models():
    import keras

    a, b = keras.Input((3,)), keras.Input((2,))
    two = keras.Model([a, b], keras.layers.Concatenate()([a, b]))
    assert len(checks.declared_inputs(two)) == 2

    class Sub(keras.Model):
        def call(self, x):
            return x

    sub = Sub()
    sub(np.zeros((1, 3), "float32"))
    assert checks.declared_inputs(sub) is None
    assert checks.declared_inputs(keras.Sequential([keras.layers.Dense(2)])) is None  # not built
    assert checks.declared_inputs("not a model") is None

"""Argument checks shared by the helpers, so that every bad input ends in one clear error.

Each check takes the argument's name first and its value second, and returns
the value (converted where that is its job: ``positive_int`` returns an
``int``, ``images`` a NumPy array). It raises

* ``TypeError`` for an object of the wrong kind: ``None`` or a string where a
  number is expected, a list where a dict is, an array where a model is;
* ``ValueError`` for a value of the right kind that is wrong: out of range,
  not a whole number, NaN or infinite, a bool used as a number, a bad shape.

Every message names the argument, says what was expected and what was
received, and how to fix it: ``"n must be a whole number >= 1, got 2.5.
Pass a whole number, e.g. 3."``.

The checks fall into three groups:

* numbers, names and containers: :func:`positive_int`, :func:`finite_number`,
  :func:`boolean`, :func:`one_of`, :func:`sequence`, :func:`mapping`;
* NumPy arrays on the host: :func:`samples`, :func:`finite_array`,
  :func:`images`, :func:`grey_images`, :func:`numpy_images`;
* Keras objects and tensors: :func:`instance`, :func:`keras_model`,
  :func:`predictor`, :func:`vae_parts`, :func:`model_input`, and the
  static-shape checks of the in-graph building blocks,
  :func:`latent_tensors`, :func:`encoder_outputs`, :func:`tensor_axes` and
  :func:`same_pixels`.

The static-shape checks read only shapes known when a graph is built (a
``None`` dimension matches anything), so they cost nothing per training step
on TensorFlow and JAX and a few Python comparisons on PyTorch. Values inside
a graph cannot be checked there; :func:`numpy_images` checks them on the host
before they reach Keras. Keras is imported only by the checks that need it,
so that the data helpers stay light.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "boolean",
    "describe",
    "encoder_outputs",
    "finite_array",
    "finite_number",
    "grey_images",
    "images",
    "instance",
    "keras_model",
    "latent_tensors",
    "mapping",
    "model_input",
    "numpy_images",
    "one_of",
    "positive_int",
    "predictor",
    "same_pixels",
    "samples",
    "sequence",
    "tensor_axes",
    "vae_parts",
]

Shape = tuple[int | None, ...]


# --------------------------------------------------------------- messages


def describe(value: Any) -> str:
    """A short description of a received value, for error messages.

    Arrays and tensors by type, shape and dtype (never their contents), other
    values by a ``repr`` cut to 60 characters.
    """
    if isinstance(value, np.generic):  # a NumPy scalar: its value, as Python prints it
        value = value.item()
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{type(value).__name__} of shape {_shape_text(_static_shape(value))} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    if value is None or isinstance(value, (bool, str, numbers.Number)):
        return text
    return f"{text} (a {type(value).__name__})"


def _error(kind: type[Exception], name: str, expected: str, value: Any, fix: str = "") -> Exception:
    message = f"{name} must be {expected}, got {describe(value)}."
    return kind(f"{message} {fix}" if fix else message)


def _shape_text(shape: Sequence[Any]) -> str:
    """(None, 28) -> "(None, 28)"; one-element shapes keep their comma."""
    return str(tuple(shape))


# ---------------------------------------------------------------- numbers


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    """A real number, including NumPy scalars and 0-d numeric arrays; not a bool."""
    if _is_bool(value):
        return False
    if isinstance(value, numbers.Real):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def positive_int(
    name: str, value: Any, *, minimum: int = 1, maximum: int | None = None, fix: str = ""
) -> int:
    """Check a whole number in [minimum, maximum] (a count, a size, a number of epochs).

    Accepts Python and NumPy integers and whole floats such as ``3.0``.

    Returns:
        ``value`` as an ``int``.

    Raises:
        TypeError: not a number (``None``, a string, a list).
        ValueError: a bool, a fraction, NaN or infinity, or out of range.
    """
    bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
    expected = f"a whole number {bounds}"
    fix = fix or f"Pass a whole number, e.g. {max(minimum, 3) if maximum is None else minimum}."
    if _is_bool(value):
        raise _error(ValueError, name, expected, value, f"{value} is a bool, not a count. {fix}")
    if not _is_real(value):
        raise _error(TypeError, name, expected, value, fix)
    number = float(value)
    if not math.isfinite(number) or number != int(number):
        raise _error(ValueError, name, expected, value, fix)
    result = int(number)
    if result < minimum or (maximum is not None and result > maximum):
        raise _error(ValueError, name, expected, value, fix)
    return result


def finite_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    below: float | None = None,
    fix: str = "",
) -> float:
    """Check a finite real number, optionally bounded.

    ``minimum``/``maximum`` are inclusive bounds, ``above``/``below`` exclusive
    ones: ``finite_number("rho", rho, above=0, below=1)`` asks for (0, 1).

    Returns:
        ``value`` as a ``float``.

    Raises:
        TypeError: not a number (``None``, a string, a list).
        ValueError: a bool, NaN or infinity, or out of range.
    """
    low = f"[{minimum:g}" if minimum is not None else (f"({above:g}" if above is not None else None)
    high = f"{maximum:g}]" if maximum is not None else (f"{below:g})" if below is not None else None)
    if low and high:
        expected = f"a finite number in {low}, {high}"
    elif low:
        expected = f"a finite number {'>=' if minimum is not None else '>'} {low[1:]}"
    elif high:
        expected = f"a finite number {'<=' if maximum is not None else '<'} {high[:-1]}"
    else:
        expected = "a finite number"
    if _is_bool(value):
        raise _error(ValueError, name, expected, value, f"{value} is a bool, not a number. {fix}".strip())
    if not _is_real(value):
        raise _error(TypeError, name, expected, value, fix)
    number = float(value)
    if (
        not math.isfinite(number)
        or (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
        or (above is not None and number <= above)
        or (below is not None and number >= below)
    ):
        raise _error(ValueError, name, expected, value, fix)
    return number


def boolean(name: str, value: Any) -> bool:
    """Check a flag: ``True`` or ``False`` (a NumPy bool too). Returns a ``bool``.

    Raises:
        TypeError: anything else, such as ``"yes"``, ``1`` or ``None``.
    """
    if not _is_bool(value):
        raise _error(TypeError, name, "True or False", value, f"Write {name}=True or {name}=False.")
    return bool(value)


def one_of(name: str, value: Any, choices: Sequence[str]) -> str:
    """Check that a string is one of ``choices``. Returns it.

    Raises:
        TypeError: not a string (e.g. a list holding the name).
        ValueError: a string that is not one of the choices.
    """
    listed = " or ".join(", ".join(repr(c) for c in choices).rsplit(", ", 1))
    if not isinstance(value, str):
        raise _error(TypeError, name, f"one of the strings {listed}", value, "Pass one name, as a string.")
    if value not in choices:
        raise _error(ValueError, name, listed, value, "Check the spelling.")
    return value


# ------------------------------------------------------------- containers


def sequence(
    name: str,
    value: Any,
    *,
    length: int | None = None,
    min_length: int = 0,
    of: type | None = None,
    fix: str = "",
) -> list[Any]:
    """Check a list or tuple (or array) of items, not a bare string.

    A string is refused because Python would read it as its letters:
    ``metrics="loss"`` means the names l, o, s, s.

    Args:
        name: the argument's name.
        value: the sequence.
        length: the exact number of items, if one is required.
        min_length: the least number of items.
        of: the type every item must have (e.g. ``str``), or None for any.
        fix: how to fix it, added to the message.

    Returns:
        The items as a list.

    Raises:
        TypeError: a string, a mapping, a non-iterable, or items of another type.
        ValueError: the wrong number of items.
    """
    items_of = "items" if of is None else {str: "strings"}.get(of, f"{of.__name__} values")
    what = f"a list or tuple of {items_of}"
    if isinstance(value, (str, bytes)):
        example = f"({value!r},)" if isinstance(value, str) else "(...)"
        raise _error(TypeError, name, what, value, f"A string is read as its letters: write {name}={example}.")
    if isinstance(value, Mapping) or not isinstance(value, (Sequence, np.ndarray)):
        raise _error(TypeError, name, what, value, fix)
    items = list(value)
    if length is not None and len(items) != length:
        raise ValueError(f"{name} must hold exactly {length} items, got {len(items)}. {fix}".rstrip())
    if len(items) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} item(s), got {len(items)}. {fix}".rstrip())
    if of is not None:
        wrong = [item for item in items if not isinstance(item, of)]
        if wrong:
            raise _error(TypeError, f"every item of {name}", f"a {of.__name__}", wrong[0], fix)
    return items


def mapping(name: str, value: Any, *, fix: str = "") -> Mapping[Any, Any]:
    """Check a dict (any ``Mapping``). Returns it.

    Raises:
        TypeError: anything else, e.g. an array or a list of arrays.
    """
    if not isinstance(value, Mapping):
        raise _error(TypeError, name, "a dict", value, fix)
    return value


# ----------------------------------------------------------------- arrays


def _as_array(name: str, value: Any, expected: str, fix: str = "", *, numeric: bool = True) -> np.ndarray:
    """np.asarray(value), refusing None, strings, dicts, ragged lists and (if ``numeric``) non-numbers."""
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise _error(TypeError, name, expected, value, fix)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists, unconvertible objects
        raise _error(ValueError, name, expected, value, f"NumPy cannot read it as one array ({exc}).") from exc
    if numeric and array.dtype.kind not in "biuf":
        raise _error(TypeError, name, expected, value, fix or "Pass numbers in a NumPy array.")
    return array


def samples(name: str, value: Any) -> np.ndarray:
    """Check an array of samples along its first axis, shape (n, ...), of any dtype. Returns it as an array.

    Raises:
        TypeError: None, a string or a dict.
        ValueError: a scalar (no sample axis), or a ragged list.
    """
    array = _as_array(name, value, "an array of samples, shape (n, ...)", numeric=False)
    if array.ndim == 0:
        raise _error(ValueError, name, "an array of samples, shape (n, ...)", value, "Pass one sample per row.")
    return array


def finite_array(
    name: str, value: Any, *, shape: Shape | None = None, all_finite: bool = True, fix: str = ""
) -> np.ndarray:
    """Check a non-empty numeric array without NaN or infinity.

    Args:
        name: the argument's name.
        value: the array (or nested list).
        shape: the required shape, ``None`` for a free dimension, e.g.
            ``(None, 2)`` for (n, 2); None for any shape.
        all_finite: refuse any NaN/inf; with False, refuse only an array
            with no finite value at all (a training curve that diverged
            half-way is still worth a plot).
        fix: how to fix it, added to the message.

    Returns:
        The array.

    Raises:
        TypeError: None, a string, a dict, or non-numeric values.
        ValueError: the wrong shape, no values, or NaN/inf.
    """
    wanted = "a numeric array" if shape is None else "an array of shape " + _shape_text(
        ["n" if d is None else d for d in shape]
    ).replace("'", "")
    array = _as_array(name, value, wanted, fix)
    if shape is not None and (
        array.ndim != len(shape) or any(d is not None and d != s for d, s in zip(shape, array.shape))
    ):
        raise _error(ValueError, name, wanted, array, fix)
    if array.size == 0:
        raise _error(ValueError, name, f"non-empty, {wanted}", array, fix or "Pass at least one value.")
    finite = int(np.count_nonzero(np.isfinite(array)))
    if not all_finite and finite == 0:
        raise ValueError(
            f"{name} must hold at least one finite value, got only NaN or infinity. "
            f"{fix or 'Find where they came from (a diverged training?).'}"
        )
    bad = array.size - finite
    if all_finite and bad:
        raise ValueError(
            f"{name} must be finite, got {bad} NaN or infinite value(s) among {array.size}. "
            f"{fix or 'Drop those rows, or find where they came from (a diverged training?).'}"
        )
    return array


def images(name: str, value: Any) -> np.ndarray:
    """Check a non-empty batch of float images with values in [0, 1].

    Any shape (n, ...) with at least two axes is accepted: (n, 784),
    (n, 28, 28), (n, 28, 28, 1).

    Returns:
        The array (``value`` itself when it already is a NumPy array).

    Raises:
        TypeError: None, a string, a dict, or non-numeric values.
        ValueError: integer or bool pixels, fewer than two axes, an empty
            batch, NaN/inf, or values outside [0, 1].
    """
    expected = "a batch of images, shape (n, 784) or (n, 28, 28), floats in [0, 1]"
    array = _as_array(name, value, expected)
    if not np.issubdtype(array.dtype, np.floating):
        if array.dtype == np.uint8 or (array.dtype.kind in "iu" and array.size and array.max() > 1):
            fix = "To fix it, divide uint8 images by 255 (load_dataset does this)."
        else:  # bools, or integers 0 and 1
            fix = f"Convert it with {name}.astype('float32')."
        raise ValueError(f"{name} must hold floats in [0, 1], got dtype {array.dtype}. {fix}")
    if array.ndim < 2 or len(array) == 0:
        raise ValueError(
            f"{name} must be a non-empty batch of images, shape (n, 784) or (n, 28, 28), "
            f"got shape {array.shape}. Add the batch axis with {name}[None] for a single image."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values: images must be finite, in [0, 1].")
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"{name} must lie in [0, 1], got values in [{low:.3g}, {high:.3g}]. Scale the "
            f"pixels to [0, 1] (divide 0-255 images by 255) or clip them with np.clip({name}, 0, 1)."
        )
    return value if isinstance(value, np.ndarray) else array


def grey_images(name: str, value: Any, *, min_side: int = 1) -> np.ndarray:
    """Check grey images (see :func:`images`) and return them as (n, height, width).

    Accepts (n, h, w), (n, h, w, 1) and flat (n, side * side); a flat image
    must be square, since its side cannot be known otherwise.

    Raises:
        ValueError: what :func:`images` refuses, colour or other shapes, a
            flat image that is not square, or a side shorter than ``min_side``.
    """
    x = images(name, value)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(
                f"{name}: {x.shape[1]} values per image is not a square image. "
                f"Pass shape (n, height, width) or (n, side*side)."
            )
        x = x.reshape(len(x), side, side)
    if x.ndim != 3:
        raise ValueError(
            f"{name} must have shape (n, h, w), (n, h, w, 1) or (n, h*w) (grey images), got "
            f"shape {np.shape(value)}. Convert colour images to grey or pass one channel."
        )
    if min(x.shape[1:]) < min_side:
        raise ValueError(
            f"{name} must hold images of at least {min_side}x{min_side} pixels, got "
            f"{x.shape[1]}x{x.shape[2]}."
        )
    return x


def numpy_images(name: str, value: Any) -> Any:
    """Check images with :func:`images` when they are on the host; return ``value`` unchanged.

    A NumPy array is checked in full, and so is the first item of a tuple
    (``validation_data=(x_val,)``). Anything else (a backend tensor, a
    ``tf.data.Dataset``, a generator, None) is returned unchecked: its values
    are not on the host, and reading them would cost a copy per step.

    Raises:
        ValueError: what :func:`images` refuses.
    """
    if isinstance(value, np.ndarray):
        images(name, value)
    elif isinstance(value, tuple) and value and isinstance(value[0], np.ndarray):
        images(f"{name}[0]", value[0])
    return value


# ------------------------------------------------------------ Keras objects


def instance(name: str, value: Any, cls: type | tuple[type, ...], *, fix: str = "") -> Any:
    """Check ``isinstance(value, cls)``. Returns ``value``.

    Raises:
        TypeError: an object of another type.
    """
    if not isinstance(value, cls):
        classes = cls if isinstance(cls, tuple) else (cls,)
        expected = " or ".join(
            f"a {c.__name__}" if c.__module__ == "builtins" else f"a {c.__module__}.{c.__name__}" for c in classes
        )
        raise _error(TypeError, name, expected, value, fix)
    return value


def keras_model(name: str, value: Any) -> Any:
    """Check a ``keras.Model``: functional, ``Sequential`` or subclassed. Returns it.

    Raises:
        TypeError: anything else (None, an array, a layer, a function).
    """
    import keras

    fix = "Build one with keras.Model(inputs, outputs), keras.Sequential([...]) or a keras.Model subclass."
    if not isinstance(value, keras.Model):
        raise _error(TypeError, name, "a keras.Model (functional, Sequential or subclassed)", value, fix)
    return value


def predictor(name: str, value: Any) -> Any:
    """Check an object with a ``predict`` method, such as a ``keras.Model``. Returns it.

    Raises:
        TypeError: anything without a callable ``predict``.
    """
    if not callable(getattr(value, "predict", None)):
        raise _error(TypeError, name, "a model with a predict method (a keras.Model)", value,
                     "Pass the trained model itself.")
    return value


def _is_shape(value: Any) -> bool:
    """True for a shape such as (None, 2) or [None, 2] (ints and Nones)."""
    return isinstance(value, (tuple, list)) and all(
        d is None or (isinstance(d, numbers.Integral) and not _is_bool(d)) for d in value
    )


def _static_shape(value: Any) -> Shape:
    """The static shape of a tensor, array, ``KerasTensor`` or shape tuple; None marks unknown sizes."""
    if _is_shape(value):
        return tuple(None if d is None else int(d) for d in value)
    shape = getattr(value, "shape", None)
    if shape is None:
        return tuple(np.shape(value))
    try:
        dims = list(shape)
    except (TypeError, ValueError):  # a tf.TensorShape of unknown rank
        return ()
    return tuple(None if d is None else int(d) for d in dims)


def tensor_axes(where: str, **specs: tuple[Any, str]) -> dict[str, int | None]:
    """Check static shapes against named axes, e.g. ``h=(h, "batch units")``.

    Every tensor must have one axis per name, and axes of the same name must
    have the same size wherever both sizes are known. Reads only static shapes:
    call it where a graph is built, it costs nothing per step.

    Args:
        where: the function or layer being checked, for the message.
        **specs: argument name -> (tensor, array or shape, space-separated axis names).

    Returns:
        Axis name -> size (None where unknown).

    Raises:
        ValueError: a wrong rank, or two axes of one name with different sizes.
    """
    sizes: dict[str, int | None] = {}
    seen: dict[str, str] = {}
    for arg, (value, axes) in specs.items():
        names = axes.split()
        shape = _static_shape(value)
        wanted = f"({', '.join(names)})"
        if len(shape) != len(names):
            raise ValueError(
                f"{where}: {arg} must have shape {wanted}, got shape {_shape_text(shape)} "
                f"({len(shape)} axes instead of {len(names)})."
            )
        for axis, size in zip(names, shape):
            known = sizes.get(axis)
            if size is not None and known is not None and size != known:
                layout = ", ".join(f"{a}: ({', '.join(s[1].split())})" for a, s in specs.items())
                raise ValueError(
                    f"{where}: axis '{axis}' of {arg} has size {size}, but {seen[axis]} has {known}; "
                    f"they must agree ({layout})."
                )
            if known is None:
                sizes[axis] = size
                seen[axis] = arg
    return sizes


def latent_tensors(where: str, names: Sequence[str], values: Any) -> list[Any]:
    """Check that ``values`` are ``len(names)`` tensors (or shapes) of one shape (batch, latent_dim).

    Used for the inputs of ``Sampling`` (``[z_mean, z_log_var]``) and the
    outputs of a VAE's encoder (``[z_mean, z_log_var, z]``). Reads static
    shapes only.

    Returns:
        ``values`` as a list.

    Raises:
        ValueError: another number of tensors, a single tensor, a rank other
            than 2, or latent sizes that differ.
    """
    listed = f"[{', '.join(names)}]"
    if not isinstance(values, (list, tuple)) or (values and _is_shape(values)):
        single = _is_shape(values) or hasattr(values, "shape")
        got = f"a single tensor of shape {_shape_text(_static_shape(values))}" if single else describe(values)
        raise ValueError(
            f"{where} must be {listed}, each of shape (batch, latent_dim), got {got}. "
            f"Return (or pass) a list of {len(names)} tensors."
        )
    if len(values) != len(names):
        raise ValueError(
            f"{where} must be {listed}, each of shape (batch, latent_dim), got {len(values)} "
            f"tensor(s) of shapes {[_shape_text(_static_shape(v)) for v in values]}. "
            f"Return (or pass) a list of {len(names)} tensors."
        )
    tensor_axes(where, **{n: (v, "batch latent_dim") for n, v in zip(names, values)})
    return list(values)


def encoder_outputs(outputs: Any) -> list[Any]:
    """Check a VAE encoder's outputs: ``[z_mean, z_log_var, z]``, each (batch, latent_dim).

    :func:`latent_tensors` for the encoder of ``utils.vae.VAE``; reads static
    shapes only. Returns the outputs as a list.

    Raises:
        ValueError: another number of outputs, or shapes that differ.
    """
    return latent_tensors("the encoder's outputs", ("z_mean", "z_log_var", "z"), outputs)


def same_pixels(name_a: str, a: Any, name_b: str, b: Any) -> None:
    """Check that two batches of images have the same batch size and pixels per image.

    Shapes may differ otherwise: (batch, 784) against (batch, 28, 28) is
    fine. Reads static shapes only; unknown sizes match anything.

    Raises:
        ValueError: fewer than two axes, or sizes that differ.
    """
    shapes = {name_a: _static_shape(a), name_b: _static_shape(b)}
    for name, shape in shapes.items():
        if len(shape) < 2:
            raise ValueError(
                f"{name} must be a batch of images, shape (batch, ...) with at least two axes, "
                f"got shape {_shape_text(shape)}."
            )
    (sa, sb) = shapes.values()
    pixels = [None if None in s[1:] else math.prod(s[1:]) for s in (sa, sb)]
    if (sa[0] is not None and sb[0] is not None and sa[0] != sb[0]) or (
        None not in pixels and pixels[0] != pixels[1]
    ):
        raise ValueError(
            f"{name_b} must hold as many images and pixels per image as {name_a}: got shapes "
            f"{_shape_text(sb)} and {_shape_text(sa)} ({pixels[1]} and {pixels[0]} pixels per image). "
            f"The decoder's output must have the images' size."
        )


def declared_inputs(model: Any) -> list | None:
    """The symbolic inputs of a built model that declares them (functional, Sequential with an Input), else None.

    A subclassed model declares none, and neither does a model that is not built yet.
    """
    if not getattr(model, "built", False):
        return None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    return list(inputs) if isinstance(inputs, (list, tuple)) else None


def _declared_input(model: Any) -> Any:
    """The symbolic input of a built model that declares exactly one, else None."""
    inputs = declared_inputs(model)
    return inputs[0] if inputs is not None and len(inputs) == 1 else None


def vae_parts(encoder: Any, decoder: Any) -> tuple[Any, Any]:
    """Check a VAE's encoder and decoder, as far as they can be checked before any data.

    Both must be ``keras.Model`` instances. An encoder that declares its
    input (a functional model, or a ``Sequential`` with an ``Input``) is
    called symbolically, without computing anything: it must return
    ``[z_mean, z_log_var, z]``, each (batch, latent_dim). A decoder that
    declares its input must take that latent size and return as many pixels
    as the encoder takes. A subclassed encoder or decoder is checked when the
    VAE first calls it (see :func:`latent_tensors` and :func:`same_pixels`).

    Returns:
        ``(encoder, decoder)``.

    Raises:
        TypeError: an encoder or decoder that is not a ``keras.Model``.
        ValueError: parts whose shapes cannot work together.
    """
    keras_model("encoder", encoder)
    keras_model("decoder", decoder)
    images_in = _declared_input(encoder)
    if images_in is None:
        return encoder, decoder
    try:
        outputs = encoder.compute_output_spec(images_in)
    except Exception:  # a model that cannot be traced symbolically: checked at its first call instead
        return encoder, decoder
    _, _, z = encoder_outputs(outputs)
    code_in = _declared_input(decoder)
    if code_in is None:
        return encoder, decoder
    try:
        tensor_axes("VAE", z=(z, "batch latent_dim"), decoder_input=(code_in, "batch latent_dim"))
    except ValueError as exc:
        raise ValueError(
            f"decoder must take the encoder's z of shape {_shape_text(_static_shape(z))}, but it takes "
            f"shape {_shape_text(_static_shape(code_in))}. Build both with the same latent_dim. ({exc})"
        ) from None
    try:
        images_out = decoder.compute_output_spec(code_in)
    except Exception:  # as for the encoder
        return encoder, decoder
    same_pixels("the encoder's input", images_in, "the decoder's output", images_out)
    return encoder, decoder


def model_input(name: str, x: np.ndarray, model: Any) -> np.ndarray:
    """Check that a NumPy batch fits the input a model declares (see :func:`vae_parts`).

    A model that declares no input (a subclassed one) is not checked here.

    Returns:
        ``x``.

    Raises:
        ValueError: another number of axes, or another size of a known axis.
    """
    declared = _declared_input(model)
    if declared is None:
        return x
    want, got = _static_shape(declared)[1:], tuple(np.shape(x))[1:]
    if len(want) != len(got) or any(w is not None and w != g for w, g in zip(want, got)):
        raise ValueError(
            f"{name} must have shape (n, {', '.join('?' if w is None else str(w) for w in want)}), "
            f"the input of {getattr(model, 'name', 'the model')}, got shape {np.shape(x)}. "
            f"Reshape it, e.g. {name}.reshape(len({name}), {', '.join('-1' if w is None else str(w) for w in want)})."
        )
    return x

"""The custom penalties of notebooks 02 and 04, written in ``keras.ops``.

``KLSparsity`` is an activity regularizer that pulls the mean activation of
every code unit towards a target ``rho`` (notebook 02). ``contractive_penalty``
is the closed-form squared Frobenius norm of a sigmoid layer's Jacobian and
``ContractiveDense`` is the sigmoid layer that adds it to the model's losses
(notebook 04). They live here, not in the notebooks, so that the tests can
check that each one saves to ``.keras`` and loads back on every backend.
Their arguments are checked by ``utils.checks`` when they are made, and the
penalty's shapes when a graph is built, never per step.
"""

from __future__ import annotations

import keras
from keras import ops

from utils import checks


@keras.saving.register_keras_serializable(package="course")
class KLSparsity(keras.regularizers.Regularizer):
    """``beta * sum_j KL(rho || rho_hat_j)``, ``rho_hat_j`` the batch mean of unit j.

    Input: activations of shape (batch, units), values in (0, 1) (a sigmoid
    code). Output: a scalar. Keras divides an activity penalty by the batch
    size, because it is usually a sum over examples; this one is a property
    of the whole batch, so it is multiplied by the batch size to undo that.
    """

    def __init__(self, rho: float = 0.05, beta: float = 0.1):
        self.rho = checks.finite_number("rho", rho, above=0, below=1, fix="It is a target mean activation, e.g. 0.05.")
        self.beta = checks.finite_number("beta", beta, minimum=0, fix="It weighs the penalty; 0 turns it off.")

    def __call__(self, activations):
        rho_hat = ops.clip(ops.mean(activations, axis=0), 1e-6, 1 - 1e-6)
        rho = self.rho
        kl = rho * ops.log(rho / rho_hat) + (1 - rho) * ops.log((1 - rho) / (1 - rho_hat))
        batch_size = ops.cast(ops.shape(activations)[0], kl.dtype)
        return self.beta * ops.sum(kl) * batch_size

    def get_config(self) -> dict:
        return {"rho": self.rho, "beta": self.beta}


def contractive_penalty(h, kernel):
    """``||J||_F^2`` per example for ``h = sigmoid(x @ kernel + b)``.

    h: (batch, units), the layer's outputs; kernel: (inputs, units).
    Returns (batch,): ``sum_j (h_j (1 - h_j))^2 * sum_i W_ij^2``.
    """
    checks.tensor_axes("contractive_penalty", h=(h, "batch units"), kernel=(kernel, "inputs units"))  # static shapes
    return ops.sum(ops.square(h * (1 - h)) * ops.sum(ops.square(kernel), axis=0), axis=1)


@keras.saving.register_keras_serializable(package="course")
class ContractiveDense(keras.layers.Layer):
    """A sigmoid ``Dense`` layer that adds ``lam * mean ||J||_F^2`` to the model's losses.

    Input (batch, inputs) -> output (batch, units). With ``lam=0`` it is a
    plain sigmoid ``Dense`` layer.
    """

    def __init__(self, units: int, lam: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.units = checks.positive_int("units", units)
        self.lam = checks.finite_number("lam", lam, minimum=0, fix="It weighs the penalty; 0 turns it off.")

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        h = ops.sigmoid(ops.matmul(x, self.kernel) + self.bias)
        if self.lam:
            self.add_loss(self.lam * ops.mean(contractive_penalty(h, self.kernel)))
        return h

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "lam": self.lam}

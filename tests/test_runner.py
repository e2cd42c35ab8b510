import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import run_course  # noqa: E402


def executed(results_text: str, stderr: str = "") -> nbformat.NotebookNode:
    results = new_code_cell("print(...)", metadata={"tags": ["results"]})
    results.outputs = [new_output("stream", name="stdout", text=results_text)]
    noisy = new_code_cell("fit()")
    if stderr:
        noisy.outputs = [new_output("stream", name="stderr", text=stderr)]
    return new_notebook(cells=[noisy, results])


def test_parse_results_reads_name_value_lines_of_the_results_cell():
    nb = executed("test_bce: 0.0805\nnot a metric line\nbetas: 0.5, 1, 4\n")
    assert run_course.parse_results(nb) == {"test_bce": "0.0805", "betas": "0.5, 1, 4"}


def test_compare_runs_accepts_equal_metrics_and_names_each_difference(capsys):
    assert run_course.compare_runs("nb", {"a": "1.0", "b": "2"}, {"a": "1.0", "b": "2"})
    assert not run_course.compare_runs("nb", {"a": "1.0", "b": "2"}, {"a": "1.1", "b": "2"})
    assert "a = 1.0 then 1.1" in capsys.readouterr().err
    assert not run_course.compare_runs("nb", {}, {})  # nothing printed proves nothing
    assert not run_course.compare_runs("nb", {"train_minutes": "1"}, {"train_minutes": "1"})
    assert run_course.compare_runs("nb", {"a": "1", "train_minutes": "1.8"}, {"a": "1", "train_minutes": "1.9"})


def test_stderr_lines_reports_the_cell_and_first_line():
    nb = executed("x: 1\n", stderr="UserWarning: something\n  details\n")
    assert run_course.stderr_lines(nb) == ["code cell 1: UserWarning: something"]
    assert run_course.stderr_lines(executed("x: 1\n")) == []


def test_speed_table_has_a_column_per_measured_backend():
    dense = {"tensorflow": {"median": 4.2, "min": 4.0, "max": 4.5, "gflop": 60.0},  # times under 10 s: 2 decimals
             "jax": {"median": 3.0, "min": 2.9, "max": 3.1, "gflop": 60.0}}
    speed = {
        "seconds_per_epoch": {backend: {"dense AE (01)": epoch} for backend, epoch in dense.items()},
        "matmul_gflops": {"tensorflow": 100.0, "jax": 40.0},
        "quick_minutes": {"tensorflow": 6.5},
        "quick_notebooks": 11,
        "cpu": "2 CPU cores (x86_64)",
        "epoch_images": 54000,
    }
    table = run_course.speed_table(speed)
    assert "| | tensorflow | jax |" in table
    # 60 GFLOP in 4.2 s is 14.3 GFLOP/s, 14% of 100; in 3.0 s, 20 GFLOP/s, 50% of 40
    assert "| dense AE (01), 60 GFLOP per epoch | 4.20 s (4.00–4.50), 14% | 3.00 s (2.90–3.10), 50% |" in table
    assert "| dense float32 matmul (2048 x 2048), GFLOP/s | 100 | 40 |" in table
    assert "| all 11 notebooks in quick mode, minutes | 6.5 | – |" in table


def test_training_flops_are_counted_per_layer_by_hand():
    import keras
    import pytest

    import speed

    # dense 784-128-32-128-784: the first layer (100,352 multiply-adds) costs 2x its forward pass, the rest 3x
    assert speed.training_macs(speed.dense_ae()) == 2 * 784 * 128 + 3 * (128 * 32 + 32 * 128 + 128 * 784)
    # convolutions count the positions where the kernel is applied: output positions for Conv2D, input
    # positions for Conv2DTranspose
    conv = [28 * 28 // 4 * 9 * 16, 49 * 9 * 16 * 32, 1568 * 64, 64 * 1568, 49 * 9 * 32 * 16, 196 * 9 * 16]
    assert speed.training_macs(speed.conv_ae()) == 2 * conv[0] + 3 * sum(conv[1:])
    # LSTM: 4 gates of (inputs + units) x units per step; TimeDistributed(Dense): the Dense at every step
    lstm = [14 * 4 * (56 + 128) * 128, 128 * 32, 32 * 128, 14 * 4 * (128 + 128) * 128, 14 * 128 * 56]
    assert speed.training_macs(speed.lstm_ae()) == 2 * lstm[0] + 3 * sum(lstm[1:])
    assert speed.epoch_gflop(speed.dense_ae()) == pytest.approx(2 * speed.training_macs(speed.dense_ae()) * 54_000 / 1e9)
    wrapped = keras.Sequential([keras.Input((5, 3)), keras.layers.Bidirectional(keras.layers.LSTM(4))])
    with pytest.raises(NotImplementedError, match="Bidirectional"):
        speed.training_macs(wrapped)
    # the VAEs: the encoder twice (call and loss), the decoder once; the conditional one reads image and label
    cvae = speed.conditional_vae()
    cvae_macs = 2 * (2 * 794 * 256 + 3 * 2 * 256 * 2) + 3 * (12 * 256 + 256 * 784)
    assert speed.epoch_gflop(cvae) == pytest.approx(2 * cvae_macs * 54_000 / 1e9)
    # the TopK SAE, a subclassed model: its encoder (first, 2x) and decoder (3x) kernels
    assert speed.epoch_gflop(speed.topk_sae()) == pytest.approx(2 * (2 + 3) * 128 * 512 * 54_000 / 1e9)
    # the masked autoencoder: attention = 4 projections of 64 x 64 per token + scores and weighted values
    # (heads x tokens^2 x (16 + 16)); the encoder sees 4 tokens, the decoder all 16
    def block(tokens):
        return tokens * 4 * 64 * 64 + 4 * tokens * tokens * 32 + 2 * tokens * 64 * 128
    mae = 4 * 49 * 64 + 3 * block(4) + 4 * 64 * 64 + block(16) + 16 * 64 * 49
    assert speed.training_macs(speed.masked_ae()) == 3 * mae - 4 * 49 * 64  # the patch embedding reads pixels: 2x
    # asymmetric attention: 2 heads, key_dim 8, value_dim 4, on 5 tokens of width 12
    tokens = keras.Input((5, 12))
    attention = keras.layers.MultiHeadAttention(2, 8, value_dim=4)
    attention(tokens, tokens)
    assert speed.layer_macs(attention) == 5 * (12 * 16 + 12 * 16 + 12 * 8 + 8 * 12) + 2 * 25 * (8 + 4)


def test_speed_columns_with_the_fast_settings_are_named_and_explained():
    dense = {"median": 1.5, "min": 1.4, "max": 1.6, "gflop": 60.0}
    speed = {"seconds_per_epoch": {"tensorflow": {"dense AE (01)": dense}, "tensorflow + FAST": {"dense AE (01)": dense}},
             "matmul_gflops": {"tensorflow": 100.0, "tensorflow + FAST": 100.0}, "epoch_images": 54000}
    table = run_course.speed_table(speed)
    assert "| | tensorflow | tensorflow + FAST |" in table
    assert "Columns marked + FAST compile with the notebooks' `FAST` settings" in table
    assert run_course.measure_speed("cpu", ["tensorflow + XLA"]) == 2  # an unknown column: nothing is timed


def test_every_timed_model_gets_data_of_its_own_shapes():
    import numpy as np

    import speed

    # name: (shapes of the inputs without the batch axis, shape of the target): the notebooks' data
    expected = {
        "dense AE (01)": ([(784,)], (784,)),
        "conv AE (05)": ([(28, 28, 1)], (28, 28, 1)),
        "LSTM rows AE (06)": ([(14, 56)], (14, 56)),
        "VAE (07)": ([(784,)], (784,)),
        "conditional VAE (09)": ([(28, 28, 1), (10,)], (28, 28, 1)),
        "VQ-VAE (10)": ([(28, 28, 1)], (28, 28, 1)),
        "masked AE (13)": ([(28, 28)], (16, 49)),
        "TopK SAE (14)": ([(128,)], (128,)),
    }
    assert set(expected) == set(speed.MODELS)
    for name, (build, data, *_) in speed.MODELS.items():
        x, targets = data()
        inputs = x if isinstance(x, list) else [x]
        assert [a.shape for a in inputs] == [(speed.N_IMAGES, *shape) for shape in expected[name][0]], name
        assert targets.shape == (speed.N_IMAGES, *expected[name][1]), name
        out = build()([a[:4] for a in inputs] if len(inputs) > 1 else inputs[0][:4])
        assert tuple(np.shape(out)) == targets[:4].shape, name  # the model predicts its target (the VAEs: the images)


def test_the_tf_data_column_is_explained_and_its_dataset_covers_the_arrays():
    import numpy as np

    import speed

    dense = {"median": 1.0, "min": 0.9, "max": 1.1, "gflop": 60.0}
    table = run_course.speed_table({"seconds_per_epoch": {"tensorflow + FAST + tf.data": {"dense AE (01)": dense}}})
    assert "| | tensorflow + FAST + tf.data |" in table
    assert "The column marked + tf.data feeds each model from a `tf.data.Dataset`" in table
    x = np.arange(10, dtype="float32").reshape(5, 2)
    batches = list(speed.tf_dataset(x, x, batch_size=2).as_numpy_iterator())
    assert [len(b[0]) for b in batches] == [2, 2, 1]  # every row once, the last batch partial
    seen = np.concatenate([b[0] for b in batches])
    assert sorted(seen[:, 0].tolist()) == [0, 2, 4, 6, 8]
    assert all(np.array_equal(b[0], b[1]) for b in batches)  # inputs and targets stay paired
    (only_inputs,) = next(speed.tf_dataset([x, x[:, :1]], None, batch_size=5).as_numpy_iterator())
    assert len(only_inputs) == 2  # a model with two inputs and no target gets ((inputs, labels),)

"""Train the digit judge: a small convolutional MNIST classifier that lessons use to judge generated digits.

    python tools/train_digit_judge.py            # train, evaluate, save data/digit_judge.keras
    python tools/train_digit_judge.py --epochs 6 --out /tmp/judge.keras

Several notebooks ask whether a generated image is a digit, and which one
(``utils.judge``). They need a classifier that everyone shares and nobody
retrains by accident, so it is trained once by this script, from the course's
own MNIST copy, with a fixed seed, and committed as ``data/digit_judge.keras``
with its SHA-256 in ``utils/judge.py`` (``JUDGE_SHA256``).

The model is two Conv2D + max-pooling blocks, dropout and two dense layers,
written with the functional API and standard layers only, so that the file
loads on the TensorFlow, JAX and PyTorch backends. It trains on the 60,000
training images and is evaluated once on the 10,000 test images; the script
fails (exit status 1) below 99.0% test accuracy. The saved model carries no
optimizer state (a fresh, uncompiled copy of the architecture with the trained
weights is saved), which keeps the file small.

A ``.keras`` file records the date it was saved, so every run writes a file
with another SHA-256, even when the weights are identical. After a retraining,
paste the printed checksum into ``JUDGE_SHA256`` in ``utils/judge.py`` and
commit both files (``git add -f data/digit_judge.keras``: ``*.keras`` is
git-ignored).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import utils  # noqa: E402  (quiet logs first)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from utils.data import _sha256 as sha256  # noqa: E402  (the reader that checks the file on load)

SEED = 1234
TARGET = 0.99


def build_judge() -> keras.Model:
    """(batch, 28, 28, 1) images in [0, 1] -> (batch, 10) class probabilities."""
    images = keras.Input(shape=(28, 28, 1), name="image")
    h = keras.layers.Conv2D(32, 3, activation="relu", name="conv1")(images)  # 26x26
    h = keras.layers.MaxPooling2D(2, name="pool1")(h)  # 13x13
    h = keras.layers.Conv2D(64, 3, activation="relu", name="conv2")(h)  # 11x11
    h = keras.layers.MaxPooling2D(2, name="pool2")(h)  # 5x5
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dropout(0.4, name="dropout")(h)
    h = keras.layers.Dense(64, activation="relu", name="hidden")(h)
    probabilities = keras.layers.Dense(10, activation="softmax", name="probabilities")(h)
    return keras.Model(images, probabilities, name="digit_judge")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=6, help="training epochs (default 6)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "digit_judge.keras", help="where to save it")
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(SEED)
    (x_train, y_train), (x_test, y_test) = utils.load_dataset("mnist")
    x_train, x_test = x_train[..., None], x_test[..., None]  # (n, 28, 28, 1)

    model = build_judge()
    model.summary()
    model.compile(
        optimizer=utils.cosine_adam(2e-3, epochs=args.epochs, n_samples=len(x_train), batch_size=args.batch_size),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, verbose=2)
    minutes = (time.perf_counter() - start) / 60

    # Save a fresh, uncompiled copy: the weights without the optimizer's state.
    judge = build_judge()
    judge.set_weights(model.get_weights())
    predicted = judge.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1)
    accuracy = float(np.mean(predicted == y_test))
    print(f"backend: {keras.backend.backend()}; trained {args.epochs} epochs in {minutes:.1f} min")
    print(f"test accuracy: {accuracy:.4f} ({int(np.sum(predicted != y_test))} errors in {len(y_test)})")
    if accuracy < TARGET:
        print(f"FAILED: test accuracy {accuracy:.4f} is below the target {TARGET}; nothing saved.", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    judge.save(args.out)
    print(f"saved: {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    print(f"sha256: {sha256(args.out)}")
    print("Paste the checksum into JUDGE_SHA256 in utils/judge.py, then: git add -f data/digit_judge.keras")
    return 0


if __name__ == "__main__":
    sys.exit(main())

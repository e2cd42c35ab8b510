import numpy as np
import pytest

from utils.signals import make_signals


def test_signals_have_the_documented_shape_type_and_range():
    s = make_signals(50, length=32, seed=0)
    assert s.shape == (50, 32, 1) and s.dtype == np.float32
    # at most three sines of amplitude <= 1, plus noise of std 0.05
    assert np.abs(s).max() < 3.3 and 0.2 < s.std() < 1.5


def test_the_same_seed_gives_the_same_signals_and_another_seed_others():
    np.testing.assert_array_equal(make_signals(10, seed=3), make_signals(10, seed=3))
    assert not np.allclose(make_signals(10, seed=3), make_signals(10, seed=4))


def test_signals_are_slow_sines_the_spectrum_peaks_between_1_and_3_cycles():
    s = make_signals(500, length=64, seed=1)[..., 0]
    spectrum = np.abs(np.fft.rfft(s - s.mean(axis=1, keepdims=True), axis=1))
    peak = spectrum.argmax(axis=1)  # in cycles per signal
    assert np.all((peak >= 1) & (peak <= 3))
    assert spectrum[:, 6:].mean() < 0.1 * spectrum[:, 1:4].mean()  # little power above 5 cycles (leakage and noise)


def test_signals_have_the_documented_variance_and_noise_level():
    # E[x^2] = (2 + 1/2) sines x E[a^2] / 2 + 0.05^2, with E[a^2] = (1 - 0.3^3) / (3 * 0.7) for a ~ U(0.3, 1)
    mean_square_amplitude = (1 - 0.3**3) / (3 * 0.7)
    assert make_signals(20_000, seed=2).var() == pytest.approx(2.5 * mean_square_amplitude / 2 + 0.05**2, abs=0.02)
    # on long signals the sines barely change between steps, so second differences are noise: std 0.05 * sqrt(6)
    long = make_signals(200, length=2048, seed=3)[..., 0]
    assert np.diff(long, 2, axis=1).std() / np.sqrt(6) == pytest.approx(0.05, abs=0.002)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n": 0}, ValueError, "n must be a whole number >= 1, got 0"),
        ({"n": 2.5}, ValueError, "n must be a whole number >= 1"),
        ({"n": None}, TypeError, "n must be a whole number >= 1"),
        ({"n": 4, "length": 4}, ValueError, "length must be a whole number >= 8, got 4. Shorter signals cannot show 3 cycles."),
        ({"n": 4, "seed": None}, TypeError, "seed must be a whole number >= 0, got None"),
        ({"n": 4, "seed": -1}, ValueError, "seed must be a whole number >= 0, got -1"),
        ({"n": 4, "seed": 1.5}, ValueError, "seed must be a whole number >= 0, got 1.5"),
    ],
)
def test_make_signals_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_signals(**kwargs)

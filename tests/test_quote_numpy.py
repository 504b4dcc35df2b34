"""The numpy quote head (what annotating runs) against the torch module it was trained as."""
import numpy as np
import pytest

from hebnews import quote_numpy as qn
from hebnews.quote_head import CandidateInput, HeadConfig, QuoteTagger, build_module, collate

torch = pytest.importorskip("torch")


def _inputs(rng, n_tokens: int, n_cand: int) -> list[CandidateInput]:
    out = []
    for _ in range(n_cand):
        a = int(rng.integers(0, n_tokens - 3))
        b = int(rng.integers(a, min(n_tokens, a + 6)))  # may be empty content
        ctx = sorted(rng.choice(n_tokens, size=int(rng.integers(0, 8)), replace=False).tolist())
        out.append(CandidateInput(list(range(a, b)), a - 1, b if b < n_tokens else -1,
                                  rng.normal(size=7).tolist(), ctx, rng.integers(0, 60, size=len(ctx)).tolist()))
    return out


def test_gelu_matches_torch():
    x = np.linspace(-8, 8, 2001, dtype=np.float32)
    assert np.abs(qn.gelu(x) - torch.nn.functional.gelu(torch.from_numpy(x)).numpy()).max() < 2e-6


@pytest.mark.parametrize("seed", [0, 1])
def test_numpy_head_matches_torch_module(seed):
    rng = np.random.default_rng(seed)
    cfg = HeadConfig(dim=48, hidden=32, members=2)
    torch.manual_seed(seed)
    modules = [build_module(cfg).eval() for _ in range(2)]
    vec = rng.normal(size=(40, 48)).astype(np.float16)
    feats = rng.random((40, 4)).astype(np.float32)
    inputs = _inputs(rng, 40, 9)
    with torch.inference_mode():
        q, cue, spk = modules[0](torch.from_numpy(vec), torch.from_numpy(feats), *collate(inputs, 40))
    tagger = QuoteTagger(modules, cfg)
    nq, ncue, nspk = qn.forward(tagger.members[0], vec, feats, qn.collate_arrays(inputs, 40))
    assert np.abs(nq - q.numpy()).max() < 1e-4
    assert np.abs(ncue - cue.numpy()).max() < 1e-4
    assert np.abs(nspk - spk.numpy()).max() < 1e-4
    # the averaged probabilities of both members, as the annotator reads them
    sc = tagger.score(vec, feats, inputs)
    with torch.inference_mode():
        probs = [torch.sigmoid(m(torch.from_numpy(vec), torch.from_numpy(feats), *collate(inputs, 40))[0])
                 for m in modules]
    assert np.abs(sc.quote - (probs[0] + probs[1]).numpy() / 2).max() < 1e-5


def test_save_load_round_trip(tmp_path):
    cfg = HeadConfig(dim=48, hidden=32)
    torch.manual_seed(3)
    tagger = QuoteTagger([build_module(cfg)], cfg)
    tagger.save(tmp_path)
    back = QuoteTagger.load(tmp_path)
    assert back.members[0].keys() == tagger.members[0].keys()
    for k, v in tagger.members[0].items():  # stored in fp16
        assert np.abs(back.members[0][k] - v).max() <= np.abs(v).max() * 1e-3 + 1e-4


def test_one_blas_thread_inside_and_restored_after():
    blas = qn._openblas()
    if blas is None:
        pytest.skip("numpy is not built on its bundled OpenBLAS")
    get, put = blas
    before = get()
    put(2)
    try:
        with qn.one_blas_thread():
            assert get() == 1
        assert get() == 2
    finally:
        put(before)

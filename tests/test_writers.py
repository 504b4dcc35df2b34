import os
import stat

import pytest

from pipeline.writers import atomic_write_text


def test_atomic_write_replaces_whole_file_with_normal_permissions(tmp_path):
    p = tmp_path / "sub" / "x.json"
    atomic_write_text(p, "first")
    atomic_write_text(p, "second")
    assert p.read_text() == "second"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask
    assert [f.name for f in p.parent.iterdir()] == ["x.json"]


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    p = tmp_path / "x.json"
    atomic_write_text(p, "old")

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(p, "new")
    assert p.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["x.json"]


def test_stale_temp_files_of_a_killed_run_are_removed(tmp_path):
    import tempfile

    from pipeline.writers import remove_stale_temps

    for name in ("a.json", "b.json"):
        fd, _ = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=tmp_path)
        import os
        os.close(fd)
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / ".hidden.tmpfile").write_text("x")
    assert remove_stale_temps(tmp_path, {"a.json"}) == 1  # only this batch's targets
    assert len(list(tmp_path.glob(".b.json.*.tmp"))) == 1
    assert remove_stale_temps(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden.tmpfile", "a.json"]

import os
import stat

import pytest

from hebnews.writers import atomic_write_text


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

    from hebnews.writers import remove_stale_temps

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


# ----------------------------------------------------------------------------- what -o is

import select
import signal
import socket
import threading
import time


@pytest.fixture
def deadline():
    """Fail instead of hanging: SIGALRM after 60 s interrupts a writer (or a broken one's read)
    blocked on a FIFO."""
    def fire(signum, frame):
        raise TimeoutError("blocked on a FIFO for 60 s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def read_fifo(path, timeout=20.0):
    """Open ``path`` for reading now (so that a writer never blocks on open) and read it in a
    thread until the writer closes it or ``timeout`` passes; returns a function giving the bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    got = []

    def run():
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                # Linux reports a FIFO readable only once a writer has opened it
                if not select.select([fd], [], [], 0.1)[0]:
                    continue
                data = os.read(fd, 65536)
                if not data:  # the writer closed it
                    return
                got.append(data)
        finally:
            os.close(fd)

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def result() -> bytes:
        t.join(timeout + 5)
        return b"".join(got)
    return result


@pytest.fixture
def char_device(tmp_path):
    """A character device to write to: a private null device when we may create one (so that
    a writer that replaced it would not break /dev/null), else /dev/null itself."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with open(node, "w") as f:
            f.write("probe")
        return node
    except OSError:
        return os.path.realpath("/dev/null")


def test_fifo_is_written_in_place(tmp_path, deadline):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    result = read_fifo(fifo)
    atomic_write_text(fifo, "{\"a\": 1}\n")
    assert result() == b"{\"a\": 1}\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temp file


def test_character_device_stays_a_character_device(tmp_path, char_device):
    atomic_write_text(char_device, "x" * 100)
    assert stat.S_ISCHR(os.lstat(char_device).st_mode)
    link = tmp_path / "to-null"
    link.symlink_to(char_device)
    atomic_write_text(link, "x")
    assert link.is_symlink() and os.readlink(link) == str(char_device)
    assert stat.S_ISCHR(os.lstat(char_device).st_mode)


def test_symlink_is_kept_and_its_file_replaced(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "doc.json"
    target.write_text("old")
    link = tmp_path / "doc.json"
    link.symlink_to(target)
    atomic_write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["doc.json"]
    dangling = tmp_path / "new.json"
    dangling.symlink_to(tmp_path / "real" / "made.json")
    atomic_write_text(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "real" / "made.json").read_text() == "made"


def test_descriptor_entry_is_appended_to_not_replaced(tmp_path, capfd):
    """-o /dev/stdout: the link that leads to /proc/self/fd/1 stays and fd 1 gets the text
    (a private link, so that a writer that replaced links would not replace /dev/stdout)."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    print("before", flush=True)
    atomic_write_text(link, "the text\n")
    assert link.is_symlink()
    assert capfd.readouterr().out == "before\nthe text\n"


def test_socket_and_folder_are_refused(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        with pytest.raises(OSError, match="a socket; only a regular file, a FIFO or a character"):
            atomic_write_text(path, "x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    with pytest.raises(IsADirectoryError):
        atomic_write_text(tmp_path, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]

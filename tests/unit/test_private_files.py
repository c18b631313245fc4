"""Private folders and files: no link followed, no folder others can write to, modes 0700/0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from shared_ollama._private_files import (
    UnsafePathError,
    check_not_symlink,
    open_private_log,
    private_dir,
    write_private,
)
from shared_ollama._settings import EnvironmentDefaults
from shared_ollama.daemon._files import PidRecord, write_record

POSIX = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="owners and modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@POSIX
def test_private_dir_creates_the_folder_owner_only(tmp_path: Path) -> None:
    """A folder we create is 0700 (before umask), with its missing parents."""
    folder = private_dir(tmp_path / "a" / "run")
    assert folder.is_dir()
    assert _mode(folder) & 0o077 == 0


@POSIX
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777, 0o702])
def test_private_dir_refuses_a_folder_others_may_write(tmp_path: Path, mode: int) -> None:
    """A group- or world-writable folder (even sticky, as /tmp) is refused, with the fix."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(mode)
    with pytest.raises(UnsafePathError, match=r"chmod 700 .*SHARED_OLLAMA_RUNTIME_DIR") as caught:
        private_dir(folder, variable="SHARED_OLLAMA_RUNTIME_DIR")
    assert caught.value.path == folder
    assert isinstance(caught.value, PermissionError)


@POSIX
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_private_dir_refuses_a_folder_another_user_owns(tmp_path: Path) -> None:
    """A folder owned by someone else is refused even when its mode is private."""
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    with pytest.raises(UnsafePathError, match="belongs to user id 65534"):
        private_dir(folder, variable="SHARED_OLLAMA_LOGS_DIR")


def test_write_private_never_follows_a_planted_scratch_link(tmp_path: Path) -> None:
    """A link planted as ``<file>.tmp`` is replaced, its target untouched; the file is 0600."""
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "ollama-1.pid"
    (tmp_path / "ollama-1.pid.tmp").symlink_to(victim)
    write_record(target, PidRecord(1, 2.0, 3, "/opt/ollama", "http://127.0.0.1:3"))
    assert victim.read_text(encoding="utf-8") == "precious"
    assert '"pid": 1' in target.read_text(encoding="utf-8")
    assert not target.is_symlink()
    assert _mode(target) == 0o600


def test_write_private_replaces_a_planted_link_at_the_target_itself(tmp_path: Path) -> None:
    """The atomic rename replaces a link at the target, never writes through it."""
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "file"
    target.symlink_to(victim)
    write_private(target, "ours")
    assert victim.read_text(encoding="utf-8") == "precious"
    assert target.read_text(encoding="utf-8") == "ours"


def test_open_private_log_refuses_a_symbolic_link(tmp_path: Path) -> None:
    """A log planted as a link to another file is refused; that file is untouched."""
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    log = tmp_path / "ollama.log"
    log.symlink_to(victim)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        open_private_log(log)
    assert victim.read_text(encoding="utf-8") == "precious"


def test_open_private_log_appends_and_creates_0600(tmp_path: Path) -> None:
    """A new log is created 0600 and written in append mode."""
    log = tmp_path / "ollama.log"
    for text in (b"one\n", b"two\n"):
        with open_private_log(log) as handle:
            handle.write(text)
    assert log.read_bytes() == b"one\ntwo\n"
    assert _mode(log) == 0o600


def test_check_not_symlink_refuses_a_lock_file_link(tmp_path: Path) -> None:
    """A lock file is opened with truncation, so a link there is refused."""
    lock = tmp_path / "x.lock"
    lock.symlink_to(tmp_path / "victim")
    with pytest.raises(UnsafePathError, match="Delete it"):
        check_not_symlink(lock)
    assert check_not_symlink(tmp_path / "other.lock") == tmp_path / "other.lock"


@POSIX
def test_machine_slots_create_their_run_dir_owner_only(tmp_path: Path) -> None:
    """The machine-wide slots' coordinator makes its folder 0700 and its database 0600."""
    from shared_ollama._coordinator._sqlite import SqliteCoordinator

    run = tmp_path / "run"
    settings = EnvironmentDefaults.from_environ({"SHARED_OLLAMA_RUNTIME_DIR": str(run)})
    assert settings.runtime_dir == run
    coordinator = SqliteCoordinator(run)
    try:
        assert _mode(run) & 0o077 == 0
        assert _mode(coordinator.path) == 0o600
    finally:
        coordinator.close()


@POSIX
def test_coordinator_refuses_a_world_writable_run_dir(tmp_path: Path) -> None:
    """The machine-wide coordinator follows the same rule as every daemon folder."""
    from shared_ollama._coordinator._sqlite import SqliteCoordinator

    run = tmp_path / "run"
    run.mkdir()
    run.chmod(0o777)
    with pytest.raises(UnsafePathError, match="SHARED_OLLAMA_RUNTIME_DIR"):
        SqliteCoordinator(run)
    assert list(run.iterdir()) == []


def test_coordinator_refuses_a_database_planted_as_a_link(tmp_path: Path) -> None:
    """A link planted where the coordinator's database goes is refused, its target untouched."""
    from shared_ollama._coordinator._sqlite import DATABASE_NAME, SqliteCoordinator

    run = private_dir(tmp_path / "run")
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    (run / DATABASE_NAME).symlink_to(victim)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        SqliteCoordinator(run)
    assert victim.read_text(encoding="utf-8") == "precious"

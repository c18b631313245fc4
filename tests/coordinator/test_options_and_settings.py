"""Agreed options applied to a request, the per-client queue, and the environment's settings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from shared_ollama._coordinator._leases import Coordinator, Lease
from shared_ollama._coordinator._options import (
    AgreedOptions,
    AskedOptions,
    apply_agreement,
    keep_alive_seconds,
)
from shared_ollama._coordinator._registry import coordinator_for, reset_coordinators
from shared_ollama._coordinator._slots import MachineQueue
from shared_ollama._coordinator._sqlite import SqliteCoordinator
from shared_ollama._settings import EnvironmentDefaults, default_project_name


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(300, 300.0), ("5m", 300.0), ("1h30m", 5400.0), ("-1", float("inf")), (-5, float("inf")),
     ("0", 0.0), ("250ms", 0.25), ("30", 30.0)],
)  # fmt: skip
def test_keep_alive_seconds_reads_every_form(value: str | float, seconds: float) -> None:
    """Numbers, Go durations and negative "forever" all compare as seconds."""
    assert keep_alive_seconds(value) == seconds


def test_apply_agreement_raises_num_ctx_and_fills_keep_alive() -> None:
    """A smaller or missing num_ctx becomes the agreed one; other options are kept."""
    payload = {"model": "m", "options": {"temperature": 0.1, "num_ctx": 2048}}
    sent, changed = apply_agreement(payload, AgreedOptions(4096, "10m"))
    assert sent == {
        "model": "m",
        "options": {"temperature": 0.1, "num_ctx": 4096},
        "keep_alive": "10m",
    }
    assert changed == {"num_ctx": (2048, 4096), "keep_alive": (None, "10m")}
    assert payload["options"] == {"temperature": 0.1, "num_ctx": 2048}  # not mutated


def test_apply_agreement_keeps_an_explicit_unload_and_a_match() -> None:
    """keep_alive=0 (unload now) is a wish, not a preference; a matching payload is unchanged."""
    unload = {"model": "m", "options": {"num_ctx": 4096}, "keep_alive": 0}
    assert apply_agreement(unload, AgreedOptions(4096, "10m")) == (None, {})
    assert AskedOptions.from_payload(unload) == AskedOptions(4096, 0)


def _lease(agreed: AgreedOptions | None) -> Lease:
    return Lease("t", "http://h", agreed, 0.0)


def test_machine_queue_logs_each_change_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The same change on many calls is logged once; a different change is logged again."""
    coordinator: Coordinator = SqliteCoordinator(tmp_path / "run")
    queue = MachineQueue(coordinator, "http://h", 1, project="p", priority="batch")
    try:
        with caplog.at_level(logging.INFO, logger="shared_ollama.coordinator"):
            for _ in range(3):
                queue.agree(_lease(AgreedOptions(4096, None)), "m", {"options": {"num_ctx": 1024}})
            queue.agree(_lease(AgreedOptions(8192, None)), "m", {"options": {"num_ctx": 1024}})
    finally:
        coordinator.close()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "num_ctx=1024 for m sent as 4096" in messages[0]
    assert "sent as 8192" in messages[1]


def test_machine_queue_rejects_zero_slots(tmp_path: Path) -> None:
    """A cap below one is refused with the value."""
    coordinator = SqliteCoordinator(tmp_path / "run")
    try:
        with pytest.raises(ValueError, match="slots=0"):
            MachineQueue(coordinator, "http://h", 0, project="p", priority="normal")
    finally:
        coordinator.close()


def test_settings_read_coordinator_variables(tmp_path: Path) -> None:
    """Priority, coordinator URL, ceiling, aging and weight come from the environment."""
    settings = EnvironmentDefaults.from_environ(
        {
            "SHARED_OLLAMA_PRIORITY": "Interactive",
            "SHARED_OLLAMA_COORDINATOR": "redis://10.0.0.5:6379/2",
            "SHARED_OLLAMA_NUM_CTX_CEILING": "8192",
            "SHARED_OLLAMA_AGING_STEP": "2.5",
            "SHARED_OLLAMA_PROJECT_WEIGHT": "3",
        }
    )
    assert (
        settings.priority,
        settings.coordinator,
        settings.num_ctx_ceiling,
        settings.aging_step,
        settings.project_weight,
    ) == ("interactive", "redis://10.0.0.5:6379/2", 8192, 2.5, 3.0)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SHARED_OLLAMA_PRIORITY", "urgent", "is not a priority"),
        ("SHARED_OLLAMA_COORDINATOR", "http://redis:6379", "must be a redis://"),
        ("SHARED_OLLAMA_NUM_CTX_CEILING", "-4", "positive whole number"),
        ("SHARED_OLLAMA_AGING_STEP", "soon", "positive number of seconds"),
    ],
)
def test_settings_reject_bad_coordinator_values(name: str, value: str, message: str) -> None:
    """A value that cannot be used is an error naming the variable and what it must be."""
    with pytest.raises(ValueError, match=message) as caught:
        EnvironmentDefaults.from_environ({name: value})
    assert name in str(caught.value)


def test_default_project_name_is_the_nearest_project_folder(tmp_path: Path) -> None:
    """The folder holding pyproject.toml names the project, even from a subfolder."""
    project = tmp_path / "my-app"
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    assert default_project_name(project / "src" / "pkg") == "my-app"
    assert default_project_name(tmp_path) == tmp_path.name


def test_coordinator_for_shares_one_per_store(tmp_path: Path) -> None:
    """Clients of one process share the coordinator of a store until it is reset."""
    settings = EnvironmentDefaults(environ={}, runtime_dir=tmp_path / "run")
    try:
        first = coordinator_for(settings)
        assert coordinator_for(settings) is first
        assert isinstance(first, SqliteCoordinator)
        assert (tmp_path / "run").stat().st_mode & 0o777 == 0o700
        assert first.path.stat().st_mode & 0o777 == 0o600
    finally:
        reset_coordinators()
    assert coordinator_for(settings) is not first
    reset_coordinators()

"""The serve environment and memory budget over a table of machines (every platform, here)."""

from __future__ import annotations

import logging

import pytest

from shared_ollama.daemon._serve_env import (
    GIB,
    MachineInfo,
    budget_from_environ,
    format_bytes,
    loaded_models_warning,
    memory_budget_bytes,
    serve_environment,
)

APPLE_16 = MachineInfo("Darwin", "arm64", 16 * GIB, 8)
APPLE_64 = MachineInfo("Darwin", "arm64", 64 * GIB, 12)
INTEL_MAC = MachineInfo("Darwin", "x86_64", 32 * GIB, 6)
LINUX_GPU = MachineInfo("Linux", "x86_64", 64 * GIB, 16, has_nvidia_gpu=True)
LINUX_CPU = MachineInfo("Linux", "x86_64", 32 * GIB, 4)
TINY_8 = MachineInfo("Linux", "aarch64", 8 * GIB, 4)

MACHINES = {
    "apple-silicon-16gb": (APPLE_16, 8 * GIB, True),
    "apple-silicon-64gb": (APPLE_64, 48 * GIB, True),
    "intel-mac": (INTEL_MAC, 24 * GIB, False),
    "linux-nvidia": (LINUX_GPU, 48 * GIB, False),
    "linux-cpu": (LINUX_CPU, 24 * GIB, False),
    "tiny-8gb": (TINY_8, 4 * GIB, False),
}


@pytest.mark.parametrize(("machine", "budget", "metal"), MACHINES.values(), ids=MACHINES.keys())
def test_serve_environment_matches_the_machine(
    machine: MachineInfo, budget: int, metal: bool
) -> None:
    """Each machine gets Metal only on Apple Silicon, its cores as threads, and its budget."""
    serve = serve_environment(machine, port=11434, user_env={})
    env = serve.env
    assert env["OLLAMA_HOST"] == "127.0.0.1:11434"
    assert env["OLLAMA_KEEP_ALIVE"] == "5m"
    assert env["OLLAMA_NUM_THREAD"] == str(machine.physical_cores)
    assert env["OLLAMA_MAX_RAM"] == str(budget)
    if metal:
        assert env["OLLAMA_METAL"] == "1"
        assert env["OLLAMA_NUM_GPU"] == "-1"
    else:
        assert "OLLAMA_METAL" not in env
        assert "OLLAMA_NUM_GPU" not in env
    assert serve.warnings == ()


@pytest.mark.parametrize(
    ("total", "budget"),
    [
        (16 * GIB, 8 * GIB),  # reserve 8 GiB (25% would be 4)
        (32 * GIB, 24 * GIB),  # 25% = 8 GiB, same as the minimum
        (64 * GIB, 48 * GIB),  # reserve 25% = 16 GiB
        (128 * GIB, 96 * GIB),
        (8 * GIB, 4 * GIB),  # 8 - 8 = 0: the 4 GiB floor
        (12 * GIB, 4 * GIB),  # 12 - 8 = 4: exactly the floor
        (3 * GIB, 3 * GIB),  # the floor never exceeds the machine
    ],
)
def test_memory_budget_bytes_follows_the_seed_rule(total: int, budget: int) -> None:
    """Budget = total - max(25%, 8 GiB), at least 4 GiB, at most the total."""
    assert memory_budget_bytes(total) == budget


def test_memory_budget_bytes_rejects_non_positive_totals() -> None:
    """A machine without memory is a caller mistake."""
    with pytest.raises(ValueError, match="positive"):
        memory_budget_bytes(0)


def test_serve_environment_records_the_source_of_each_value() -> None:
    """Defaults, computed values and user values are told apart (``doctor`` shows them)."""
    serve = serve_environment(APPLE_16, port=11500, user_env={"OLLAMA_KEEP_ALIVE": "1h"})
    assert serve.sources == {
        "OLLAMA_HOST": "computed",
        "OLLAMA_KEEP_ALIVE": "user",
        "OLLAMA_NUM_THREAD": "computed",
        "OLLAMA_MAX_RAM": "computed",
        "OLLAMA_METAL": "computed",
        "OLLAMA_NUM_GPU": "computed",
    }
    assert serve.env["OLLAMA_KEEP_ALIVE"] == "1h"


def test_serve_environment_lets_explicit_user_values_win() -> None:
    """Every managed variable the user set (non-empty) is kept as the user set it."""
    user = {
        "OLLAMA_NUM_THREAD": "3",
        "OLLAMA_MAX_RAM": "1234",
        "OLLAMA_METAL": "0",
        "OLLAMA_NUM_GPU": "",  # empty means unset
    }
    serve = serve_environment(APPLE_64, port=11434, user_env=user)
    assert serve.env["OLLAMA_NUM_THREAD"] == "3"
    assert serve.env["OLLAMA_MAX_RAM"] == "1234"
    assert serve.env["OLLAMA_METAL"] == "0"
    assert serve.env["OLLAMA_NUM_GPU"] == "-1"
    assert serve.sources["OLLAMA_NUM_GPU"] == "computed"


def test_serve_environment_host_always_follows_the_port() -> None:
    """OLLAMA_HOST is computed from the port even when the user set it (the client looks there)."""
    serve = serve_environment(LINUX_CPU, port=12345, user_env={"OLLAMA_HOST": "0.0.0.0:1"})
    assert serve.env["OLLAMA_HOST"] == "127.0.0.1:12345"
    assert serve.warnings == ()


def test_serve_environment_binds_all_interfaces_only_when_asked_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``bind_all=True`` listens on 0.0.0.0 and says so loudly, in the log and the result."""
    with caplog.at_level(logging.WARNING, logger="shared_ollama.daemon"):
        serve = serve_environment(LINUX_CPU, port=11434, user_env={}, bind_all=True)
    assert serve.env["OLLAMA_HOST"] == "0.0.0.0:11434"
    assert len(serve.warnings) == 1
    assert "ALL network interfaces" in serve.warnings[0]
    assert any("ALL network interfaces" in r.getMessage() for r in caplog.records)


def test_serve_environment_uses_the_ipv6_loopback_when_asked() -> None:
    """A client on ``[::1]`` gets a daemon listening there."""
    serve = serve_environment(LINUX_CPU, port=11434, user_env={}, loopback="[::1]")
    assert serve.env["OLLAMA_HOST"] == "[::1]:11434"


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_serve_environment_rejects_impossible_ports(port: int) -> None:
    """A port outside 1..65535 is a caller mistake."""
    with pytest.raises(ValueError, match="port"):
        serve_environment(LINUX_CPU, port=port, user_env={})


def test_serve_environment_merged_keeps_the_base_environment() -> None:
    """The daemon's environment is the user's with ours over it."""
    serve = serve_environment(LINUX_CPU, port=11434, user_env={})
    merged = serve.merged({"PATH": "/bin", "OLLAMA_HOST": "elsewhere"})
    assert merged["PATH"] == "/bin"
    assert merged["OLLAMA_HOST"] == "127.0.0.1:11434"


@pytest.mark.parametrize(
    ("machine", "apple"),
    [
        (APPLE_16, True),
        (MachineInfo("Darwin", "aarch64", GIB, 1), True),
        (INTEL_MAC, False),
        (MachineInfo("Linux", "arm64", GIB, 1), False),
    ],
)
def test_machine_info_is_apple_silicon_needs_darwin_and_arm(
    machine: MachineInfo, apple: bool
) -> None:
    """Only a Mac with an arm64 chip counts as Apple Silicon (an arm Linux box does not)."""
    assert machine.is_apple_silicon is apple


def test_machine_info_detect_describes_this_machine() -> None:
    """Detection returns real, positive numbers for this machine."""
    machine = MachineInfo.detect()
    assert machine.total_memory_bytes > 0
    assert machine.physical_cores >= 1
    assert machine.system


def test_loaded_models_warning_is_none_within_budget() -> None:
    """Models that fit the budget need no warning."""
    assert loaded_models_warning([("a", 2 * GIB), ("b", 2 * GIB)], 4 * GIB) is None


def test_loaded_models_warning_names_models_over_budget() -> None:
    """Over the budget, the warning names the models, the sizes and what to do."""
    warning = loaded_models_warning([("big:70b", 40 * GIB), ("small", GIB)], 8 * GIB)
    assert warning is not None
    assert "big:70b (40.0 GiB)" in warning
    assert "41.0 GiB" in warning
    assert "8.0 GiB" in warning
    assert "OLLAMA_MAX_RAM" in warning


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, 8 * GIB),
        ({"OLLAMA_MAX_RAM": str(2 * GIB)}, 2 * GIB),
        ({"OLLAMA_MAX_RAM": "12GB"}, 8 * GIB),  # not a byte count: the computed budget
        ({"OLLAMA_MAX_RAM": "0"}, 8 * GIB),
    ],
)
def test_budget_from_environ_prefers_a_user_byte_count(
    environ: dict[str, str], expected: int
) -> None:
    """The user's OLLAMA_MAX_RAM wins when it is a positive byte count."""
    assert budget_from_environ(APPLE_16, environ) == expected


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (512, "512 B"),
        (2048, "2.0 KiB"),
        (135 * 1024**2, "135.0 MiB"),
        (8 * GIB, "8.0 GiB"),
        (3 * 1024 * GIB, "3.0 TiB"),
    ],
)
def test_format_bytes_picks_a_readable_unit(count: int, text: str) -> None:
    """Byte counts read as people expect."""
    assert format_bytes(count) == text

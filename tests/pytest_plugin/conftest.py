"""A downstream-style project, built in a temporary folder, that uses only the pytest plugin."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpcore  # noqa: F401 (see below)
import pytest
import yaml  # noqa: F401 (see below)

# Kept imported by the outer run: the in-process inner runs drop the modules they import when
# they end, and a second import of PyYAML's C extension or of httpcore (whose exceptions httpx
# maps through a table built once) would not match the classes already in use.

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
PYPROJECT = """\
[tool.pytest.ini_options]
addopts = ["--strict-markers", "--strict-config", "-p", "no:cacheprovider", "-p", "shared_ollama"]
# The inner runs are in-process, after the outer run imported shared_ollama: pytest then warns
# that it cannot rewrite the asserts of the plugin's package, which a real project never sees.
filterwarnings = ["error", "ignore::pytest.PytestAssertRewriteWarning"]
"""


@pytest.fixture
def plugin_entry_point(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Declare the plugin's ``pytest11`` entry point in a dist-info on ``sys.path``.

    The same line the shared-ollama distribution declares, so pytest finds the plugin by its
    entry-point name exactly as it does for a user (if shared-ollama's own metadata declares it
    too, the name is already taken and pytest loads it once). Autoloading is off in the inner
    runs, so other installed plugins stay out of the downstream project; its ``-p shared_ollama``
    still loads ours through the entry point.
    """
    folder = tmp_path_factory.mktemp("entry-point")
    info = folder / "downstream_plugin_entry-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: downstream-plugin-entry\nVersion: 0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[pytest11]\nshared_ollama = _shared_ollama_pytest\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return folder


@pytest.fixture
def downstream(pytester: pytest.Pytester, plugin_entry_point: Path) -> pytest.Pytester:
    """A project with the fixture cassettes under ``cassettes/`` and nothing else configured."""
    del plugin_entry_point
    shutil.copytree(FIXTURES, pytester.path / "cassettes")
    (pytester.path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return pytester

"""Entry-point discovery, read from real ``.dist-info`` folders written into a temporary site."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from shared_ollama.plugins._command import configure_plugins_parser, run_plugins
from shared_ollama.plugins._discovery import (
    DISABLED_PLUGINS_VARIABLE,
    DisabledPlugins,
    PluginInfo,
    PluginLoadError,
    PluginNotFoundError,
    PluginWarning,
    create,
    disabled_plugins_from_environment,
    list_plugins,
    load_plugin,
    parse_disabled_plugins,
    suggest_distribution,
)
from shared_ollama.plugins._frameworks import (
    configure_llama_index,
    init_chat_model,
    parse_chat_model_spec,
)

RECORDER = """\
class Recorder:
    def __init__(self, **kwargs):
        self.kwargs = kwargs


NOT_CALLABLE = 42
"""

LLAMA_FAKES = """\
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms.mock import MockLLM


class FakeLLM(MockLLM):
    model: str = ""
    base_url: str | None = None
    temperature: float = 0.0

    def __init__(self, model: str, base_url: str | None = None, temperature: float = 0.0):
        super().__init__()
        self.model, self.base_url, self.temperature = model, base_url, temperature


class FakeEmbedding(MockEmbedding):
    base_url: str | None = None

    def __init__(self, model_name: str, **kwargs):
        super().__init__(embed_dim=4, model_name=model_name, **kwargs)
"""


class Site:
    """A temporary site: each distribution gets its own folder, scanned in creation order."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.folders: list[str] = []
        self._monkeypatch = monkeypatch

    def install(
        self,
        name: str,
        plugins: Mapping[str, str],
        *,
        version: str = "1.0",
        modules: Mapping[str, str] | None = None,
        entry_points_text: str | None = None,
        metadata: bool = True,
    ) -> Path:
        """Write ``<name>-<version>.dist-info`` (and modules) into a new folder of the site."""
        folder = self.root / f"site{len(self.folders)}"
        info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        if metadata:
            (info / "METADATA").write_text(
                f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
            )
        lines = "".join(f"{key} = {value}\n" for key, value in plugins.items())
        text = entry_points_text or f"[shared_ollama.integrations]\n{lines}"
        (info / "entry_points.txt").write_text(text, encoding="utf-8")
        for module, source in (modules or {}).items():
            (folder / f"{module}.py").write_text(source, encoding="utf-8")
        self.folders.append(str(folder))
        self._monkeypatch.syspath_prepend(str(folder))
        return folder


@pytest.fixture(autouse=True)
def _no_disabled_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start with nothing disabled, whatever the developer's environment says."""
    monkeypatch.delenv(DISABLED_PLUGINS_VARIABLE, raising=False)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """Discovery scans only this temporary site; modules imported from it are forgotten after."""
    result = Site(tmp_path, monkeypatch)
    scan = importlib.metadata.distributions
    monkeypatch.setattr(
        importlib.metadata, "distributions", lambda **_: scan(path=list(result.folders))
    )
    yield result
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


# --- listing ---------------------------------------------------------------------------------


def test_list_plugins_reads_metadata_without_importing(site: Site) -> None:
    """Listing names every plugin, its distribution and version, and imports none of them."""
    site.install(
        "acme-integrations",
        {"acme.chat": "acme_loud:Chat", "acme.embed": "acme_loud:Embed"},
        version="2.3.1",
        modules={"acme_loud": "raise RuntimeError('imported while listing')\n"},
    )
    assert list_plugins() == [
        PluginInfo("acme.chat", "acme_loud:Chat", "acme-integrations", "2.3.1"),
        PluginInfo("acme.embed", "acme_loud:Embed", "acme-integrations", "2.3.1"),
    ]
    assert "acme_loud" not in sys.modules


def test_list_plugins_sorts_by_name(site: Site) -> None:
    """Plugins from several distributions come back sorted by name."""
    site.install("zeta", {"zeta.llm": "zeta:LLM"})
    site.install("alpha", {"alpha.llm": "alpha:LLM"})
    assert [info.name for info in list_plugins()] == ["alpha.llm", "zeta.llm"]


def test_list_plugins_ignores_other_groups(site: Site) -> None:
    """Entry points of other groups (console scripts, pytest11) are not plugins."""
    site.install(
        "mixed",
        {},
        entry_points_text="[console_scripts]\nmixed = mixed:main\n\n"
        "[shared_ollama.integrations]\nmixed.chat = mixed:Chat\n",
    )
    assert [info.name for info in list_plugins()] == ["mixed.chat"]


def test_list_plugins_finds_a_distribution_on_the_real_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without any narrowing, a dist-info put on ``sys.path`` is discovered."""
    name = f"acme{uuid.uuid4().hex[:8]}"
    unrestricted = Site(tmp_path, monkeypatch)
    unrestricted.install(f"{name}-plugin", {f"{name}.chat": f"{name}:Chat"})
    found = {info.name: info for info in list_plugins()}
    assert found[f"{name}.chat"].distribution == f"{name}-plugin"


def test_list_plugins_survives_broken_metadata(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """A distribution whose entry_points.txt cannot be parsed is logged and hides nothing else."""
    site.install("broken-meta", {}, entry_points_text="[shared_ollama.integrations]\ngarbage\n")
    site.install("fine", {"fine.chat": "fine:Chat"})
    assert [info.name for info in list_plugins()] == ["fine.chat"]
    assert "broken_meta-1.0.dist-info, which cannot be read" in caplog.text
    assert "reinstall it" in caplog.text


def test_list_plugins_keeps_plugins_of_a_nameless_distribution(site: Site) -> None:
    """A dist-info without METADATA still contributes its plugins, with no name or version."""
    site.install("anonymous", {"anon.chat": "anon:Chat"}, metadata=False)
    assert list_plugins() == [PluginInfo("anon.chat", "anon:Chat", None, None)]


def test_list_plugins_warns_about_duplicates_and_keeps_the_first(site: Site) -> None:
    """Two distributions claiming one name warn, naming both; the first found wins."""
    site.install("first-dist", {"acme.chat": "first:Chat"})
    site.install("second-dist", {"acme.chat": "second:Chat"})
    with pytest.warns(PluginWarning, match=r"Two shared-ollama plugins are named 'acme\.chat'"):
        plugins = list_plugins()
    assert [(p.name, p.distribution) for p in plugins] == [("acme.chat", "first-dist")]


def test_list_plugins_does_not_count_a_shadowed_copy_as_duplicate(site: Site) -> None:
    """The same distribution found twice on the path (shadowed) is listed once, silently."""
    site.install("acme", {"acme.chat": "acme:Chat"}, version="2.0")
    site.install("acme", {"acme.chat": "acme:Chat"}, version="1.0")
    assert [(p.name, p.version) for p in list_plugins()] == [("acme.chat", "2.0")]


# --- disabling -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "patterns"),
    [
        (None, frozenset()),
        ("", frozenset()),
        ("langchain.chat", frozenset({"langchain.chat"})),
        (" a.b , ,c.d ", frozenset({"a.b", "c.d"})),
        ("*", frozenset({"*"})),
    ],
)
def test_parse_disabled_plugins_table(value: str | None, patterns: frozenset[str]) -> None:
    """The variable is a comma list; blanks and empty items are ignored."""
    assert parse_disabled_plugins(value).patterns == patterns


def test_disabled_plugins_match_names_and_patterns() -> None:
    """Exact names and fnmatch patterns disable; ``*`` means everything."""
    disabled = DisabledPlugins(frozenset({"langchain.*", "llama_index.llm"}))
    assert "langchain.chat" in disabled
    assert "llama_index.llm" in disabled
    assert "llama_index.embedding" not in disabled
    assert not disabled.everything
    assert DisabledPlugins(frozenset({"*"})).everything


def test_disabled_plugins_from_environment_reads_the_variable() -> None:
    """The environment variable is read from the mapping given."""
    env = {DISABLED_PLUGINS_VARIABLE: "a.b"}
    assert disabled_plugins_from_environment(env) == DisabledPlugins(frozenset({"a.b"}))


def test_disabled_plugin_is_hidden_and_explained(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disabled plugin is not listed, and loading it says which variable hides it."""
    site.install("acme", {"acme.chat": "acme:Chat", "acme.llm": "acme:LLM"})
    monkeypatch.setenv(DISABLED_PLUGINS_VARIABLE, "acme.chat")
    assert [info.name for info in list_plugins()] == ["acme.llm"]
    with pytest.raises(PluginNotFoundError, match=f"disabled by {DISABLED_PLUGINS_VARIABLE}"):
        load_plugin("acme.chat")


def test_disabled_pattern_hides_a_family(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pattern such as ``acme.*`` hides every plugin of the family."""
    site.install("acme", {"acme.chat": "acme:Chat", "acme.llm": "acme:LLM"})
    site.install("other", {"other.chat": "other:Chat"})
    monkeypatch.setenv(DISABLED_PLUGINS_VARIABLE, "acme.*")
    assert [info.name for info in list_plugins()] == ["other.chat"]


def test_disabling_everything_skips_the_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """``*`` turns discovery off without reading any metadata."""

    def no_scan(**_: Any) -> Any:
        raise AssertionError("distributions were scanned")

    monkeypatch.setattr(importlib.metadata, "distributions", no_scan)
    monkeypatch.setenv(DISABLED_PLUGINS_VARIABLE, "*")
    assert list_plugins() == []
    with pytest.raises(PluginNotFoundError, match="disabled"):
        create("langchain.chat", model="m")


# --- loading and building --------------------------------------------------------------------


def test_load_plugin_imports_on_demand(site: Site) -> None:
    """Loading imports the module and returns the named object."""
    site.install(
        "acme", {"acme.chat": "acme_recorder:Recorder"}, modules={"acme_recorder": RECORDER}
    )
    assert "acme_recorder" not in sys.modules
    loaded = load_plugin("acme.chat")
    assert loaded is sys.modules["acme_recorder"].Recorder


def test_create_builds_an_instance_with_the_arguments(site: Site) -> None:
    """create() passes every keyword, even one called ``name``, to the constructor."""
    site.install(
        "acme", {"acme.chat": "acme_recorder:Recorder"}, modules={"acme_recorder": RECORDER}
    )
    instance = create("acme.chat", model="smollm2:135m", name="mine")
    assert instance.kwargs == {"model": "smollm2:135m", "name": "mine"}


def test_create_rejects_a_plugin_that_cannot_be_called(site: Site) -> None:
    """An entry point naming a non-callable raises TypeError naming the plugin."""
    site.install(
        "acme", {"acme.value": "acme_recorder:NOT_CALLABLE"}, modules={"acme_recorder": RECORDER}
    )
    with pytest.raises(TypeError, match=r"'acme\.value' names int"):
        create("acme.value")


def test_broken_plugin_fails_alone(site: Site) -> None:
    """A plugin whose import fails raises PluginLoadError; listing and the others still work."""
    site.install(
        "acme-broken",
        {"acme.broken": "acme_broken:Chat"},
        modules={"acme_broken": "import a_module_that_is_not_installed_anywhere\n"},
    )
    site.install(
        "acme", {"acme.chat": "acme_recorder:Recorder"}, modules={"acme_recorder": RECORDER}
    )
    assert [info.name for info in list_plugins()] == ["acme.broken", "acme.chat"]
    with pytest.raises(PluginLoadError) as caught:
        load_plugin("acme.broken")
    error = caught.value
    assert isinstance(error, ImportError)
    assert isinstance(error.__cause__, ModuleNotFoundError)
    assert error.plugin == "acme.broken"
    assert error.distribution == "acme-broken"
    assert "pip install -U acme-broken" in str(error)
    assert create("acme.chat", model="m").kwargs == {"model": "m"}


def test_missing_attribute_is_a_load_error(site: Site) -> None:
    """An entry point naming an attribute the module lacks raises PluginLoadError."""
    site.install(
        "acme", {"acme.chat": "acme_recorder:Missing"}, modules={"acme_recorder": RECORDER}
    )
    with pytest.raises(PluginLoadError, match="AttributeError"):
        load_plugin("acme.chat")


@pytest.mark.parametrize(
    ("name", "distribution"),
    [
        ("langchain.chat", "langchain-shared-ollama"),
        ("langchain.embeddings", "langchain-shared-ollama"),
        ("llama_index.llm", "llama-index-llms-shared-ollama"),
        ("llama_index.embedding", "llama-index-embeddings-shared-ollama"),
    ],
)
def test_missing_known_plugin_names_the_distribution(
    site: Site, name: str, distribution: str
) -> None:
    """A missing plugin of ours says which distribution to install."""
    with pytest.raises(PluginNotFoundError) as caught:
        load_plugin(name)
    assert isinstance(caught.value, LookupError)
    assert caught.value.distribution == distribution
    assert f"pip install {distribution}" in str(caught.value)


def test_missing_unknown_plugin_lists_the_available_ones(site: Site) -> None:
    """A name from an unknown family lists what is installed."""
    site.install("acme", {"acme.chat": "acme:Chat"})
    with pytest.raises(PluginNotFoundError, match=r"installed plugins: acme\.chat") as caught:
        create("haystack.generator")
    assert caught.value.available == ("acme.chat",)
    assert caught.value.distribution is None


@pytest.mark.parametrize(
    ("name", "distribution"),
    [
        ("langchain.chat", "langchain-shared-ollama"),
        ("llama_index.embedding", "llama-index-embeddings-shared-ollama"),
        ("llama_index.llm", "llama-index-llms-shared-ollama"),
        ("llama_index", None),
        ("haystack.generator", None),
        ("langchain", "langchain-shared-ollama"),
    ],
)
def test_suggest_distribution_table(name: str, distribution: str | None) -> None:
    """The full name decides the distribution (LlamaIndex: one per kind), else its family."""
    assert suggest_distribution(name) == distribution


# --- conveniences ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "model"),
    [
        ("shared_ollama:llama3.2", "llama3.2"),
        ("shared_ollama:smollm2:135m", "smollm2:135m"),
        ("shared-ollama:qwen3:0.6b", "qwen3:0.6b"),
        ("smollm2:135m", "smollm2:135m"),
        ("  llama3.2  ", "llama3.2"),
    ],
)
def test_parse_chat_model_spec_table(spec: str, model: str) -> None:
    """Only our provider prefix is stripped; model tags keep their colons."""
    assert parse_chat_model_spec(spec) == model


@pytest.mark.parametrize("spec", ["", "shared_ollama:", "  shared-ollama:  "])
def test_parse_chat_model_spec_rejects_a_missing_model(spec: str) -> None:
    """A spec without a model raises ValueError with an example."""
    with pytest.raises(ValueError, match=r"shared_ollama:llama3\.2"):
        parse_chat_model_spec(spec)


def test_init_chat_model_builds_the_langchain_chat_plugin(site: Site) -> None:
    """init_chat_model() builds ``langchain.chat`` with the model and the other arguments."""
    site.install(
        "langchain-shared-ollama",
        {"langchain.chat": "acme_recorder:Recorder"},
        modules={"acme_recorder": RECORDER},
    )
    chat = init_chat_model("shared_ollama:smollm2:135m", temperature=0.2)
    assert chat.kwargs == {"model": "smollm2:135m", "temperature": 0.2}


def test_init_chat_model_without_the_integration_says_what_to_install(site: Site) -> None:
    """Without langchain-shared-ollama, the error says to install it."""
    with pytest.raises(PluginNotFoundError, match="pip install langchain-shared-ollama"):
        init_chat_model("shared_ollama:llama3.2")


@pytest.fixture
def llama_settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    """LlamaIndex's global Settings, restored after the test."""
    from llama_index.core import Settings

    monkeypatch.setattr(Settings, "_llm", Settings._llm)
    monkeypatch.setattr(Settings, "_embed_model", Settings._embed_model)
    return Settings


def test_configure_llama_index_sets_llm_and_embed_model(site: Site, llama_settings: Any) -> None:
    """One call sets ``Settings.llm`` and ``Settings.embed_model`` from discovered plugins."""
    site.install(
        "llama-index-llms-shared-ollama",
        {
            "llama_index.llm": "acme_llama:FakeLLM",
            "llama_index.embedding": "acme_llama:FakeEmbedding",
        },
        modules={"acme_llama": LLAMA_FAKES},
    )
    llm, embedding = configure_llama_index(
        "smollm2:135m",
        embed_model="nomic-embed-text",
        base_url="http://127.0.0.1:12600",
        temperature=0.5,
    )
    assert llama_settings.llm is llm
    assert llama_settings.embed_model is embedding
    assert (llm.model, llm.base_url, llm.temperature) == (
        "smollm2:135m",
        "http://127.0.0.1:12600",
        0.5,
    )
    assert (embedding.model_name, embedding.base_url) == (
        "nomic-embed-text",
        "http://127.0.0.1:12600",
    )


def test_configure_llama_index_without_embed_model_keeps_it(
    site: Site, llama_settings: Any
) -> None:
    """Without ``embed_model`` only the LLM is set; the embedding model is left alone."""
    site.install(
        "llama-index-llms-shared-ollama",
        {"llama_index.llm": "acme_llama:FakeLLM"},
        modules={"acme_llama": LLAMA_FAKES},
    )
    before = llama_settings._embed_model
    llm, embedding = configure_llama_index("smollm2:135m")
    assert embedding is None
    assert llama_settings.llm is llm
    assert llama_settings._embed_model is before


def test_configure_llama_index_without_the_integration_changes_nothing(
    site: Site, llama_settings: Any
) -> None:
    """Without llama-index-llms-shared-ollama it raises, naming it; Settings stay as they were."""
    before = llama_settings._llm
    with pytest.raises(PluginNotFoundError, match="pip install llama-index-llms-shared-ollama"):
        configure_llama_index("smollm2:135m", embed_model="nomic-embed-text")
    assert llama_settings._llm is before


# --- the command -----------------------------------------------------------------------------


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure_plugins_parser(parser)
    return parser.parse_args(list(argv))


def test_run_plugins_prints_a_table(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """``shared-ollama plugins`` prints one row per plugin with distribution and version."""
    site.install("langchain-shared-ollama", {"langchain.chat": "lso:Chat"}, version="0.1.0")
    assert run_plugins(_args()) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "DISTRIBUTION", "VERSION", "TARGET"]
    assert lines[1].split() == ["langchain.chat", "langchain-shared-ollama", "0.1.0", "lso:Chat"]


def test_run_plugins_json(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --json the listing and what is disabled come as one JSON document."""
    site.install("acme", {"acme.chat": "acme:Chat", "acme.llm": "acme:LLM"}, version="3")
    monkeypatch.setenv(DISABLED_PLUGINS_VARIABLE, "acme.llm")
    assert run_plugins(_args("--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["group"] == "shared_ollama.integrations"
    assert report["plugins"] == [
        {"name": "acme.chat", "value": "acme:Chat", "distribution": "acme", "version": "3"}
    ]
    assert report["hidden"] == ["acme.llm"]
    assert report["disabled"] == ["acme.llm"]


def test_run_plugins_with_none_installed_says_what_to_install(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing installed the command names every integration and still succeeds."""
    assert run_plugins(_args()) == 0
    out = capsys.readouterr().out
    assert "langchain-shared-ollama" in out
    assert "llama-index-llms-shared-ollama" in out
    assert "llama-index-embeddings-shared-ollama" in out


def test_run_plugins_reports_hidden_plugins(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plugins hidden by the variable are named under the table."""
    site.install("acme", {"acme.chat": "acme:Chat", "acme.llm": "acme:LLM"})
    monkeypatch.setenv(DISABLED_PLUGINS_VARIABLE, "acme.llm")
    run_plugins(_args())
    assert f"Disabled by {DISABLED_PLUGINS_VARIABLE}: acme.llm" in capsys.readouterr().out


def test_run_plugins_when_discovery_is_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With ``*`` the command says discovery is off."""
    monkeypatch.setenv(DISABLED_PLUGINS_VARIABLE, "*")
    assert run_plugins(_args()) == 0
    assert "discovery is off" in capsys.readouterr().out

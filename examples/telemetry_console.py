"""OpenTelemetry: the application configures an SDK, and shared-ollama's spans and metrics appear.

shared-ollama depends on ``opentelemetry-api`` only and never configures exporters: it uses
whatever providers the application installs (here the SDK's console exporters; in production an
OTLP exporter to your collector). Without an SDK the instrumentation costs next to nothing.

Each chat, generate and embed call is one CLIENT span named ``"{operation} {model}"`` with the
GenAI semantic-convention attributes (``gen_ai.request.model``, ``gen_ai.usage.output_tokens``,
...) and Ollama's own timings (``ollama.load_duration``, ``ollama.cold_start``). Prompts and
replies are NOT recorded unless you opt in with
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_ONLY``.

Run it as is: ``python examples/telemetry_console.py`` (needs ``pip install opentelemetry-sdk``;
server from ``SHARED_OLLAMA_URL`` / ``OLLAMA_HOST``, model from ``SHARED_OLLAMA_EXAMPLE_MODEL``,
default ``smollm2:135m``).
"""

from __future__ import annotations

import os

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from shared_ollama import SharedOllamaClient

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
OPTIONS = {"num_predict": 16, "seed": 42, "temperature": 0}


def configure_opentelemetry() -> tuple[TracerProvider, MeterProvider]:
    """What the APPLICATION does once at start-up; the library only uses the global providers."""
    resource = Resource.create({"service.name": "telemetry-console-example"})
    tracer_provider = TracerProvider(resource=resource)
    # SimpleSpanProcessor prints each span as it ends (use BatchSpanProcessor in production).
    tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    # Metrics are exported periodically, and once more at shutdown.
    reader = PeriodicExportingMetricReader(ConsoleMetricExporter(), export_interval_millis=60_000)
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    metrics.set_meter_provider(meter_provider)
    return tracer_provider, meter_provider


def main() -> None:
    tracer_provider, meter_provider = configure_opentelemetry()
    # `project` labels every span, metric and performance record (or SHARED_OLLAMA_PROJECT).
    with SharedOllamaClient(project="telemetry-example") as client:
        messages = [{"role": "user", "content": "Say hi."}]
        client.chat(MODEL, messages, options=OPTIONS)  # span "chat <model>"
        for _ in client.chat(MODEL, messages, options=OPTIONS, stream=True):
            pass  # a streamed call's span ends with the stream, and records time to first chunk
        client.embed(MODEL, ["one", "two"])  # span "embeddings <model>"
    # Flush the metrics now rather than at the next 60 s tick: histograms such as
    # gen_ai.client.operation.duration and gen_ai.client.token.usage are printed.
    meter_provider.shutdown()
    tracer_provider.shutdown()


if __name__ == "__main__":
    main()

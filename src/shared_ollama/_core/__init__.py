"""The client core: the sync and async clients, and the I/O-free code both share.

Request building (``_calls``, ``_normalize``, ``_tool_schema``), NDJSON decoding, the stream state
machine, error mapping, load-aware timeouts and sticky options are pure; ``_sync_client`` and
``_async_client`` are the thin I/O shells; ``_default_client`` backs the module-level functions.
"""

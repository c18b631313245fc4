"""Resilience: deciding whether, where and when a call goes, and what to do when it fails.

Policies, failure classification, backoff, the retry loop and its per-host budget, the circuit
breaker and its process-wide registry, the adaptive in-flight limit, machine-wide slots, routing
over several hosts, the loaded-models cache and the per-client health gate.
"""

"""llmops-guardrails: the landing zone's CrossGuard policy pack (rules as plain functions + metadata).

``policies/__main__.py`` is the only place that builds the ``PolicyPack`` (its constructor starts a gRPC server
and blocks). Everything else (``llz check``, the docs table, the tests) uses ``policies.registry``.
"""

"""Prometheus metrics: what is counted (events), where processes keep it (directory), how it
is served (exposition, backlog, exporter). docs/metrics.md lists every metric.

This package's own import loads nothing: ``directory.prepare`` must run before any module
that imports prometheus_client.
"""

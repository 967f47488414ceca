"""Metrics and baselines used by the demo, the benchmarks and the reports."""

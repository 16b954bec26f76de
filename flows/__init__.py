"""Prefect flows, the `trendcast` CLI and the benchmark: thin layers over python_ml and trendcast."""

"""Prefect flows, the `trendcast` CLI and the benchmark: thin layers over python_ml and trendcast."""

import os

# No network here and no server to set up: Prefect starts an ephemeral API, which can take a while
# on a busy 2-core machine, and must not phone home.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

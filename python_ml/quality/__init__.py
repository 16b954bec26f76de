"""Per-run quality of the trend feature store: feature statistics and drift, data checks."""

"""trendcast ML: features -> train -> score -> evaluate -> report, and the model registry."""

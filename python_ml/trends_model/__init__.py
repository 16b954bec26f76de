"""Hashtag and video virality: LightGBM on the trend feature store, per window."""

WINDOWS = (6, 12, 24, 48)
DEFINITION = "growth_100pct"
MODEL_NAME = "trends_viral_lgbm"


def task_name(entity_type: str, window_hours: int) -> str:
    """Task names the feature store's residual features (group G) map to labels."""
    return f"trends_{entity_type}_viral_{window_hours}h"

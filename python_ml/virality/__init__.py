"""YouTube virality: will a video that just entered a country's mostPopular chart still be there
two to three days later (task ``youtube_persists_2d``)? See docs/VIRALITY.md."""

TASK = "youtube_persists_2d"
MODEL_NAME = "youtube_persists_2d_lgbm"
ENTITY_TYPE = "youtube_video"
LABEL_WINDOW_DAYS = 3

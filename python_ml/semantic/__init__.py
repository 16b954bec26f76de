"""Semantic themes of hashtags (feature group D): TF-IDF + k-means, point in time."""

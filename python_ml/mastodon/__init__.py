"""Mastodon analytics in Python: sentiment of post versions, snapshot retention, and the evaluation
of the trending scores on the simulator's planted trends."""

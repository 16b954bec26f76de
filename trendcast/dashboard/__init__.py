"""The read-only dashboard over the published warehouse (`trendcast dashboard`)."""

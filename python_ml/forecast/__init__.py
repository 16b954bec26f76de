"""Post-count forecasting for one account: baselines, NB GLM, LightGBM, Hawkes.

Layout: `series` (hourly/daily count series with gap masks), `features` (point-in-time origin
features), `models` (every forecaster behind one interface), `intervals` (count distributions and
interval calibration), `backtest` (rolling origin), `store` (ml.* tables through the warehouse API),
`plot` (fan chart).
"""

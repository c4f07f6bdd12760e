"""run: the batch: plan, run keys, tasks, the warm-kernel engine, workers, schedulers (local and Dask)
and portfolios. Imports every layer below; only api, cli and notebook sit above it."""

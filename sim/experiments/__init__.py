"""Experiments: replications run on an executor into a run folder, and what is built from them:
comparisons, sweeps and their designs, sensitivity, calibration against targets, the echo check and
robustness. Imports point down to results, engine and inputs, never up to reports or the CLI."""

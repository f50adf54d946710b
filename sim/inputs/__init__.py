"""Inputs: what a user writes, read within bounds and validated into a :class:`~sim.inputs.scenario.Scenario`.

The first layer of the pipeline (scenario file -> validated scenario -> model -> replications ->
results -> reports). It imports nothing of divertsim's other layers.
"""

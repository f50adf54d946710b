"""Results: what one replication yields (metrics, paired fates, the warm-up diagnostic), summaries
across replications, and how they are kept (the store, atomic files, manifests and the event log).

It reads the engine's record and imports only from :mod:`sim.engine` and :mod:`sim.inputs`.
"""

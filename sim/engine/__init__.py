"""The engine: one replication of the model, from a validated scenario to its record.

Every module here runs once per case or per event, and every one is compiled by mypyc when
divertsim is installed (see :mod:`sim.compiled`): this folder is the compiled set. It imports only
from :mod:`sim.inputs`.
"""

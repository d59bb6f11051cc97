"""Every sandbox backend, in order of preference: ``--sandbox auto`` and ``best`` take the first that isolates.

A backend is a module that defines ``BACKEND`` (a :class:`~rewardsmith.sandbox.registry.Backend`); adding
one is adding its module and its line below.
"""

from rewardsmith.sandbox.registry import BackendTable

BACKENDS = BackendTable(
    "rewardsmith.sandbox.docker",
    "rewardsmith.sandbox.bwrap",
    "rewardsmith.sandbox.process",
)

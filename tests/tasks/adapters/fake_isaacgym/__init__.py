"""A fake of the parts of Isaac Gym and IsaacGymEnvs that a ``VecTask`` uses, for CPU tests.

It follows isaac-sim/IsaacGymEnvs at aeed298 (2023-10-18): ``isaacgymenvs/tasks/base/vec_task.py``
(``Env``, ``VecTask``: constructor arguments, buffers and their dtypes, ``step``, ``reset``,
``reset_done``) and ``isaacgymenvs/tasks/cartpole.py``. The physics behind ``gym`` is a small torch
cart-pole; everything above it is the real code's shape.
"""

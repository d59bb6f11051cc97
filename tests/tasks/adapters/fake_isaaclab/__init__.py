"""A fake of the parts of Isaac Lab that its RL environments use, for CPU tests.

It follows isaac-sim/IsaacLab as stored on 2026-12-06: ``isaaclab/envs/direct_rl_env.py`` (06a90e4),
``isaaclab/envs/manager_based_rl_env.py`` (02dc5f7), ``isaaclab/managers/reward_manager.py``
(116089f) and ``isaaclab_tasks/direct/cartpole/cartpole_env.py`` (13cbcff): constructor arguments,
buffers and their dtypes, the order of ``step`` (dones, then rewards, then resets, then observations),
``reset(seed)``, ``_reset_idx``, and the reward manager's terms. The scene is one torch cart-pole
articulation; the simulation app, USD stage and sensors are left out.
"""

"""A fake of ManiSkill3's ``BaseEnv`` and ``PickCube-v1``, for CPU tests (ManiSkill needs Vulkan to make an env).

It follows haosulab/ManiSkill's ``mani_skill/envs/sapien_env.py`` (0000ccf, as stored on 2026-12-06):
``gym.make(env_id, num_envs=..., obs_mode=...)``, ``reset(seed, options={"env_idx": ...})`` resetting
only the given environments, ``step`` returning batched torch ``terminated`` from ``evaluate()``'s
``success`` and ``fail`` and all-false ``truncated`` (ManiSkill's ``TimeLimitWrapper`` sets it),
``evaluate``, ``get_info``, ``compute_dense_reward`` and ``_get_obs_extra``. The scene is points: a
gripper's tool centre point moved by delta-position actions, a cube it carries when close, a goal.
"""

"""Gymnasium's MuJoCo locomotion tasks (v5) and variants in Text2Reward's style, read by state extractors."""

"""What the text family's LLM agents share in their prompts: the prompt package and the gate's probes, listed."""

from __future__ import annotations

from rewardsmith.gate.exploits import TEXT_PROBE_MEANINGS, TEXT_PROBES

#: The package of the text agents' system prompts (``rewardsmith/text/prompts/<role>_system.md``).
TEXT_PROMPTS = "rewardsmith.text.prompts"


def probe_lines() -> str:
    """The gate's text probes, one per line with the behaviour each stands for, as the prompts list them."""
    return "\n".join(f"- {name}: {TEXT_PROBE_MEANINGS[name].behaviour}" for name in TEXT_PROBES)

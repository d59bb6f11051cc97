"""The trajectory analyzer role: rule-based reflection, the hacking detectors, the gate's findings, and
the LLM analyzer."""

"""The specification role: the rubric writer and the Specification Self-Corrector, rule-based and LLM."""

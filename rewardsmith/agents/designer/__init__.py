"""The designer role: the rule-based template and mutation search, its reward terms, and the LLM designer."""

"""The critic role: static syntax-tree rules, and the LLM critic that adds a checklist review."""

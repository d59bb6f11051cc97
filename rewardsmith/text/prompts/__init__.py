"""The text family's fixed prompts, plain ``string.Template`` files: the rubric judge's, and the system prompts of
the text LLM agents (designer, critic, analyzer, spec writer and corrector)."""

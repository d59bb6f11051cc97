"""Prompt templates of the LLM agents: plain ``string.Template`` files, filled by ``llm_common.render``."""

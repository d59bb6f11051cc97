"""The fixed prompts of the text rubric's judge: plain ``string.Template`` files."""

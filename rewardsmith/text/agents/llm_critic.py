"""The LLM text critic: the rule-based text critic first, then a model's checklist review of the verifier code.

It is the control LLM critic's review (:class:`~rewardsmith.agents.critic.llm.ModelCritic`) on the text
family's terms: :class:`~rewardsmith.text.agents.critic.RuleBasedTextCritic` is the first pass, so a
forbidden import, a read of the checker or a broken contract is refused whatever the model says (the model
is not even asked); the checklist (``rewardsmith/text/prompts/critic_system.md``) names the gate's text
probes; and the context is the one the text designer reads, without the policy's completions. A model that
cannot be used leaves the rule-based verdict with a one-line ``llm_review_skipped`` warning.
"""

from __future__ import annotations

from rewardsmith.agents.critic.llm import ModelCritic
from rewardsmith.agents.prompting import render_in
from rewardsmith.agents.types import Candidate, CriticVerdict
from rewardsmith.text.agents.critic import RuleBasedTextCritic, summary
from rewardsmith.text.agents.prompting import TEXT_PROMPTS, probe_lines
from rewardsmith.text.context import render_text_context
from rewardsmith.text.task import TextTask

#: Training prompts the review's context quotes, as the designer's does.
CONTEXT_EXAMPLES = 3


class LLMTextCritic(ModelCritic[TextTask]):
    """Reviews text verifier code with the rule-based text critic and a chat model.

    Args:
        chat: The critic's model; it never sees the designer's conversation.
        rubric_text: Returns the specification in force, as the designer read it.
        max_tokens: Completion tokens of one review.
    """

    def _first_pass(self, candidate: Candidate, task: TextTask) -> CriticVerdict:
        return RuleBasedTextCritic().review(candidate, task)

    def _context(self, task: TextTask) -> str:
        return render_text_context(task, task.train[:CONTEXT_EXAMPLES], [])

    def _system(self) -> str:
        return render_in(TEXT_PROMPTS, "critic_system", critic=summary(), probes=probe_lines())

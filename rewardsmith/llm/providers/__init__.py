"""The chat providers ``--llm`` can name, in the order ``--help`` lists them. A new provider is a module
of its own defining a :class:`~rewardsmith.llm.providers.base.ProviderChoice`, plus one line here."""

from rewardsmith.llm.providers.base import ProviderChoice
from rewardsmith.llm.providers.hf import HFChoice, LocalChoice
from rewardsmith.llm.providers.offline import OfflineChoice
from rewardsmith.llm.providers.openai import OpenAIChoice, OpenAICompatibleChoice
from rewardsmith.llm.providers.vllm import VLLMChoice

PROVIDERS: tuple[type[ProviderChoice], ...] = (
    OfflineChoice,
    LocalChoice,
    OpenAIChoice,
    OpenAICompatibleChoice,
    VLLMChoice,
    HFChoice,
)

__all__ = [
    "PROVIDERS",
    "HFChoice",
    "LocalChoice",
    "OfflineChoice",
    "OpenAIChoice",
    "OpenAICompatibleChoice",
    "ProviderChoice",
    "VLLMChoice",
]

"""``hf:PATH_OR_ID[:FILE.gguf]`` and ``local``: transformers models on this machine, the embedded
SmolLM2 among them."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from rewardsmith.llm.base import ChatModel
from rewardsmith.llm.providers.base import ProviderChoice, no_blank
from rewardsmith.llm.retry import RetryPolicy


class HFChoice(ProviderChoice):
    """A transformers causal LM from a local directory or a hub id, optionally from a GGUF file in it."""

    provider: Literal["hf"] = "hf"
    form: ClassVar[str] = "hf:PATH_OR_ID[:FILE.gguf]"
    generates_locally: ClassVar[bool] = True
    path: str
    gguf_file: str | None = None

    _path = field_validator("path")(no_blank)

    @field_validator("gguf_file")
    @classmethod
    def _gguf_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^\s/:]+\.gguf", value):
            raise ValueError("the file after the last ':' must be a .gguf file name without spaces")
        return value

    @classmethod
    def argument_fields(cls, argument: str) -> dict[str, Any]:
        path, colon, last = argument.rpartition(":")
        # Only a trailing '*.gguf' part is a file name; any other ':' belongs to the path.
        if colon and last.endswith(".gguf"):
            return {"path": path, "gguf_file": last}
        if not colon and argument.endswith(".gguf") and "/" in argument:
            # A path straight to a GGUF file: transformers wants its folder and its name apart.
            folder, _, name = argument.rpartition("/")
            return {"path": folder or "/", "gguf_file": name}
        return {"path": argument}

    @property
    def text(self) -> str:
        return f"hf:{self.path}:{self.gguf_file}" if self.gguf_file else f"hf:{self.path}"

    def build(self, *, retry: RetryPolicy | None, timeout_s: float) -> ChatModel:
        from rewardsmith.llm.hf_chat import HFChat

        return HFChat(self.path, gguf_file=self.gguf_file, name=self.text)


class LocalChoice(ProviderChoice):
    """The embedded small model, run on the CPU through transformers."""

    provider: Literal["local"] = "local"
    form: ClassVar[str] = "local"
    takes_argument: ClassVar[bool] = False
    generates_locally: ClassVar[bool] = True

    @property
    def text(self) -> str:
        return "local"

    def build(self, *, retry: RetryPolicy | None, timeout_s: float) -> ChatModel:
        from rewardsmith.llm.hf_chat import EMBEDDED_FILE, HFChat, embedded_model_dir

        return HFChat(str(embedded_model_dir()), gguf_file=EMBEDDED_FILE, name=self.text)

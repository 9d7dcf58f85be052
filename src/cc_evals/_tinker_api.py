"""The Tinker ModelAPI class (imported only when a ``tinker/...`` model is created)."""

from __future__ import annotations

from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelCall, ModelOutput
from inspect_ai.model._model import RetryDecision
from inspect_ai.model._providers.openai_compatible import OpenAICompatibleAPI
from inspect_ai.tool import ToolChoice, ToolInfo
from openai import APIStatusError

from cc_evals.tinker import SERVICE, TINKER_BASE_URL, TinkerError, _server_detail


class TinkerAPI(OpenAICompatibleAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(
            model_name=model_name,
            base_url=base_url,
            api_key=api_key,
            config=config or GenerateConfig(),
            service=SERVICE,
            service_base_url=TINKER_BASE_URL,
            **model_args,
        )

    def service_model_name(self) -> str:
        # the whole name is Tinker's: "tinker://..." must not lose its scheme
        return self.model_name

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput | tuple[ModelOutput | Exception, ModelCall]:
        try:
            return await super().generate(input, tools, tool_choice, config)
        except APIStatusError as ex:
            raise TinkerError(
                self.model_name,
                str(self.base_url),
                ex.status_code,
                _server_detail(ex.body, ex.message),
            ) from ex

    def handle_bad_request(self, ex: APIStatusError) -> ModelOutput | Exception:
        # 400/403/422 come here; a refused key or model is not an answer: one line
        if ex.status_code in (401, 403):
            return TinkerError(
                self.model_name, str(self.base_url), ex.status_code, _server_detail(ex.body, "")
            )
        return super().handle_bad_request(ex)

    def should_retry(self, ex: BaseException) -> bool | RetryDecision:
        if isinstance(ex, TinkerError):
            cause = ex.__cause__
            return super().should_retry(cause) if cause is not None else RetryDecision.no()
        return super().should_retry(ex)

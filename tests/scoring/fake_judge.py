"""A scripted judge: returns prepared answers and records every request it receives."""

from __future__ import annotations

from workbench.core.llm import ChatRequest, ChatResult, ProviderError


class ScriptedJudge:
    """Answers judge requests from a list, in order (the last answer repeats)."""

    def __init__(self, *answers: str | ProviderError, finish_reason: str = "stop") -> None:
        self.answers = list(answers)
        self.requests: list[ChatRequest] = []
        self.finish_reason = finish_reason

    async def __call__(self, request: ChatRequest) -> ChatResult | ProviderError:
        self.requests.append(request)
        index = min(len(self.requests) - 1, len(self.answers) - 1)
        answer = self.answers[index]
        if isinstance(answer, ProviderError):
            return answer
        return ChatResult(
            text=answer,
            finish_reason=self.finish_reason,
            input_tokens=100,
            output_tokens=20,
            latency_ms=12.0,
        )

"""The messages a router passes on: checked as they come from a tier, tagged with the tier that
answered, joined from a stream, and handed to LangChain as results and chunks."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from llmopt.errors import ConfigError
from llmopt.route.errors import ContentFiltered
from llmopt.route.tier import Tier


def checked(message: BaseMessage, kind: type[AIMessage] = AIMessage) -> Any:
    """`message` as a tier sent it (an AIMessage, or an AIMessageChunk from a stream); a
    content filter's stop is an error the router falls back on."""
    if not isinstance(message, kind):
        raise ConfigError(f"a tier sent {type(message).__name__}, not an {kind.__name__}")
    if message.response_metadata.get("finish_reason") == "content_filter":
        raise ContentFiltered("the model stopped its answer with finish_reason content_filter")
    return message


def joined(chunks: list[AIMessageChunk]) -> AIMessage:
    if not chunks:
        return AIMessage(content="")
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return AIMessage(content=total.content, tool_calls=total.tool_calls,
                     invalid_tool_calls=total.invalid_tool_calls,
                     usage_metadata=total.usage_metadata, response_metadata=total.response_metadata)


def tagged(metadata: dict, tier: Tier | None) -> dict:
    """`metadata` with the tier that answered (`routed_to`) and the name it is priced as
    (`model_name`, in place of the served model's own)."""
    return metadata if tier is None else {**metadata, "routed_to": tier.name,
                                          "model_name": tier.priced_as}


def untagged(metadata: dict) -> dict:
    """A stream chunk's metadata without the names the answer's first chunk carries: LangChain
    adds chunks by joining their strings, so a name on every chunk would repeat in the sum."""
    return {k: v for k, v in metadata.items() if k not in ("routed_to", "model_name")}


def result(message: AIMessage, tier: Tier) -> ChatResult:
    out = message.model_copy(update={"response_metadata": tagged(message.response_metadata,
                                                                  tier), "id": None})
    return ChatResult(generations=[ChatGeneration(message=out)],
                      llm_output={"routed_to": tier.name, "model_name": tier.priced_as})


def chunk_of(message: BaseMessage, tier: Tier | None, first: bool = True
             ) -> ChatGenerationChunk:
    """A chunk to pass on: an answer's first chunk names the tier (see `tagged`), the others
    carry no names; without a tier the message's metadata passes as it is."""
    metadata = message.response_metadata
    if tier is not None:
        metadata = tagged(untagged(metadata), tier) if first else untagged(metadata)
    fields = {"content": message.content, "response_metadata": metadata,
              "usage_metadata": getattr(message, "usage_metadata", None)}
    for name in ("tool_call_chunks", "chunk_position"):
        if getattr(message, name, None):
            fields[name] = getattr(message, name)
    return ChatGenerationChunk(message=AIMessageChunk(**fields))


def as_chunk(message: BaseMessage, run_manager: Any, tier: Tier | None = None,
             first: bool = True) -> ChatGenerationChunk:
    chunk = chunk_of(message, tier, first)
    if run_manager is not None:
        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
    return chunk


async def aas_chunk(message: BaseMessage, run_manager: Any, tier: Tier | None = None,
                    first: bool = True) -> ChatGenerationChunk:
    chunk = chunk_of(message, tier, first)
    if run_manager is not None:
        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
    return chunk


def answered_by(response: Any) -> str | None:
    """The model name an LLM result says answered it (the router's: the tier's priced name)."""
    for generations in getattr(response, "generations", []):
        for generation in generations:
            message = getattr(generation, "message", None)
            name = (getattr(message, "response_metadata", None) or {}).get("model_name")
            if name:
                return str(name)
    return (getattr(response, "llm_output", None) or {}).get("model_name")

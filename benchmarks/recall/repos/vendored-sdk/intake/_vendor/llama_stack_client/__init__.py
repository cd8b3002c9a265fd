# Vendored from llama-stack-client 0.2.18, with our proxy patch (see PATCHES.md).
from ._client import AsyncLlamaStackClient, LlamaStackClient

__all__ = ["AsyncLlamaStackClient", "LlamaStackClient"]

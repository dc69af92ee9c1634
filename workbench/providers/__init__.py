"""Model providers: OpenAI, Anthropic, OpenAI-compatible servers and the embedded llama.cpp model.

Build one with `workbench.providers.registry.create_provider`; each returns results and errors as
data (`workbench.core.llm`). Keys come from `workbench.providers.secrets.SecretStore`, token
counts from `workbench.providers.tokens`, prices from `workbench.providers.pricing`.
"""

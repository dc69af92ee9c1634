"""Test helpers shipped with the package so tests and benchmarks share them.

`fake_llm` is a standalone fake of the OpenAI and Anthropic HTTP APIs (aiohttp + stdlib only).
"""

"""Synthetic rewriting of high-value pages through an LLM server (see docs/rewrite.md)."""

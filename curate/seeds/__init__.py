"""Phi-4 synthetic seeds: questions mined and extracted from pages, books and code (see docs/seeds.md)."""

"""An example stage, registered by the tests (docs/architecture.md walks through it)."""

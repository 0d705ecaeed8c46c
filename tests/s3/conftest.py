"""The object-storage tests' fixtures: the session's moto server."""

from tests.s3.fixture import s3_server  # noqa: F401  (the session-scoped moto server)

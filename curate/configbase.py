"""The base of every config block (kept apart from :mod:`curate.config` so stage configs can import it)."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a YAML key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

"""Plan of the extract stage: read → count → URL filter → trafilatura (or Resiliparse) → language ID → text filters
→ keep. Lines the text filters remove from kept pages go to ``extract/edits/<rule>/``."""

from __future__ import annotations

from collections import Counter
from functools import partial

from curate.errors import ConfigError
from curate.extract.config import ExtractConfig
from curate.extract.filters import build_filters
from curate.extract.steps import ExtractText, LanguageId
from curate.jsonio import iter_jsonl, write_json_atomic
from curate.stage import StageContext, StagePlan
from curate.storage import location


def plan(cfg: ExtractConfig, ctx: StageContext) -> StagePlan:
    lid = cfg.language
    if lid is not None and lid.model is not None and not location(lid.model).is_file():
        raise ConfigError(f"extract.language.model: fastText LID model file not found: {lid.model}")
    # the URL filter needs only the URL: it runs before extraction, so blocked pages cost no extractor call
    url_filters = [f for f in cfg.filters if f.name == "url"]
    text_filters = [f for f in cfg.filters if f.name != "url"]
    steps = [*build_filters(url_filters), ExtractText(getattr(cfg, cfg.extractor), cfg.content, cfg.min_text_chars)]
    if cfg.language is not None:
        steps.append(LanguageId(cfg.language))
    steps.extend(build_filters(text_filters))
    group = ctx.accounted(steps, reader=ctx.reader(max_bytes=cfg.max_page_bytes))
    return StagePlan([group], finalize=partial(summarize_input_problems, ctx))


def summarize_input_problems(ctx: StageContext) -> str | None:
    """Gather the readers' per-task problem logs into ``report/input_problems.json`` (counts by kind, and every
    problem with its file); returns a one-line summary per kind."""
    problems = [rec for path in sorted((ctx.kept_dir / "input_problems").glob("*.jsonl"))
                for _, rec in iter_jsonl(path)]
    by_kind = Counter(p["kind"] for p in problems)
    write_json_atomic(ctx.report_dir / "input_problems.json", {"counts": dict(by_kind), "problems": problems},
                      indent=2)
    lines = []
    for kind, n in sorted(by_kind.items()):
        files = sorted({p["file"] for p in problems if p["kind"] == kind})
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        lines.append(f"input problem: {kind} x{n} in {shown}")
    return "\n".join(lines) or None

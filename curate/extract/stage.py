"""Plan of the extract stage: read → count → URL filter → trafilatura (or Resiliparse) → language ID → text filters
→ keep. Lines the text filters remove from kept pages go to ``extract/edits/<rule>/``."""

from __future__ import annotations

import json
from functools import partial

from curate.accounting import CountIn, KeepWriter
from curate.extract.config import ExtractConfig
from curate.extract.filters import build_filters
from curate.extract.steps import ExtractText, LanguageId
from curate.stage import StageContext, StagePlan, StepGroup

STAGE = "extract"


def plan(cfg: ExtractConfig, ctx: StageContext) -> StagePlan:
    rejects, edits = ctx.rejects(STAGE), ctx.edits(STAGE)
    # the URL filter needs only the URL: it runs before extraction, so blocked pages cost no trafilatura call
    url_filters = [f for f in cfg.filters if f.name == "url"]
    text_filters = [f for f in cfg.filters if f.name != "url"]
    steps = [
        ctx.reader(rejects, max_bytes=cfg.max_page_bytes) if ctx.upstream is None else ctx.reader(rejects),
        CountIn(),
        *build_filters(url_filters, rejects),
        ExtractText(getattr(cfg, cfg.extractor), cfg.content, cfg.min_text_chars, rejects),
    ]
    if cfg.language is not None:
        steps.append(LanguageId(cfg.language, rejects))
    steps.extend(build_filters(text_filters, rejects, edits))
    steps.append(KeepWriter(str(ctx.kept_dir(STAGE)), rejects, stage=STAGE, run_id=ctx.run_id, edits=edits))
    return StagePlan([StepGroup(STAGE, steps)], finalize=partial(summarize_input_problems, ctx))


def summarize_input_problems(ctx: StageContext) -> None:
    """Gather the readers' per-task problem logs into ``report/input_problems.json`` (counts by kind, and every
    problem with its file), and print a one-line summary per kind."""
    folder = ctx.kept_dir(STAGE) / "input_problems"
    problems = []
    for path in sorted(folder.glob("*.jsonl")):
        problems.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    by_kind: dict[str, int] = {}
    for p in problems:
        by_kind[p["kind"]] = by_kind.get(p["kind"], 0) + 1
    report = ctx.report_dir()
    report.mkdir(parents=True, exist_ok=True)
    (report / "input_problems.json").write_text(
        json.dumps({"counts": by_kind, "problems": problems}, indent=2, ensure_ascii=False)
    )
    for kind, n in sorted(by_kind.items()):
        files = sorted({p["file"] for p in problems if p["kind"] == kind})
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        print(f"input problem: {kind} x{n} in {shown}")

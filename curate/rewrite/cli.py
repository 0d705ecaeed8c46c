"""``curate rewrite INPUT... --output DIR [--styles a,b] [--endpoint URL --model NAME | --local]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curate.cli_common import (
    DryRunOpt,
    ExecutorOpt,
    FormatOpt,
    OutputOpt,
    TasksOpt,
    WorkersOpt,
    fail,
    run_stage_command,
)

# the LLM options shared by every command that calls an LLM (rewrite, plurality)
EndpointOpt = Annotated[Optional[str], typer.Option(help="URL of an OpenAI-compatible server (vLLM, SGLang...)")]
ModelOpt = Annotated[Optional[str], typer.Option(help="model name sent to the endpoint")]
LocalOpt = Annotated[bool, typer.Option("--local", help="start llama.cpp + SmolLM2 on loopback per task (default)")]
STYLES_HELP = ("comma-separated styles: textbook, discussion, reasoning, diverse_qa, distill, extract_knowledge, "
               "knowledge_list, wikipedia (default: all)")


def llm_block(endpoint: Optional[str], model: Optional[str], local: bool) -> dict:
    """The ``llm`` config block from the shared ``--endpoint/--model/--local`` options."""
    if local and endpoint:
        fail("--local starts llama.cpp on this machine; it cannot be combined with --endpoint")
    block: dict = {}
    if endpoint:
        block["endpoint"] = endpoint
    if model:
        block["model_name"] = model
    return block


def page_generation_block(endpoint: Optional[str], model: Optional[str], local: bool, score_key: Optional[str],
                          min_score: Optional[float], max_tokens: Optional[int], max_pages: Optional[int] = None) -> dict:
    """The keys of a :class:`~curate.llm.config.PageGenerationConfig` from the options ``curate rewrite`` and
    ``curate seeds`` share (``--score-key none`` sends every page); options not given keep their defaults."""
    block: dict = {"llm": llm_block(endpoint, model, local)}
    if score_key is not None:
        block["score_key"] = None if score_key.lower() == "none" else score_key
    for key, value in (("min_score", min_score), ("max_tokens", max_tokens), ("max_pages", max_pages)):
        if value is not None:
            block[key] = value
    return block


def register(app: typer.Typer) -> None:
    @app.command()
    def rewrite(
        inputs: Annotated[list[Path], typer.Argument(help="files or folders of documents (JSONL from a stage, ...)")],
        output: OutputOpt,
        styles: Annotated[Optional[str], typer.Option(help=STYLES_HELP)] = None,
        endpoint: EndpointOpt = None,
        model: ModelOpt = None,
        local: LocalOpt = False,
        score_key: Annotated[Optional[str], typer.Option(help="metadata score key; 'none' selects all pages")] = None,
        min_score: Annotated[Optional[float], typer.Option(help="score threshold for the high-quality styles")] = None,
        max_tokens: Annotated[Optional[int], typer.Option(help="completion tokens per rewrite")] = None,
        executor: ExecutorOpt = "local",
        tasks: TasksOpt = None,
        workers: WorkersOpt = None,
        input_format: FormatOpt = "auto",
        dry_run: DryRunOpt = False,
    ) -> None:
        """Rewrite high-scoring pages into synthetic styles with an LLM; validate and keep the good rewrites."""
        block = page_generation_block(endpoint, model, local, score_key, min_score, max_tokens)
        if styles:
            block["styles"] = [s.strip() for s in styles.split(",") if s.strip()]
        run_stage_command("rewrite", inputs, output, block, executor, tasks, workers, dry_run, input_format)

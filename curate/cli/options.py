"""Stage commands generated from the stage's config model: ``curate <stage> INPUT... -o OUT [options]``.

Every top-level scalar or list field of a stage's block becomes an option of its own name (``threshold`` →
``--threshold``, ``verify`` → ``--verify/--no-verify``), with the field's description as help and its default
shown; a stage's :class:`~curate.stagespec.Opt` declarations add nested keys or other spellings. An option left out
leaves the key out of the block, so the config model's default applies: defaults and help live in one place.
The input, executor and dry-run options come from the run config's own models, the same for every stage.
"""

from __future__ import annotations

import inspect
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from curate.config import RunConfig, set_dotted
from curate.errors import ConfigError
from curate.stagespec import Opt, StageSpec

_SCALARS = (str, int, float, bool)
# run-level options of every stage command: (key in the run config, flags)
_RUN_OPTS = (
    ("input.format", ("--format",)),
    ("input.text_key", ("--text-key",)),
    ("input.limit", ("--limit",)),
    ("executor.kind", ("--executor", "-e")),
    ("executor.tasks", ("--tasks", "-t")),
    ("executor.workers", ("--workers", "-w")),
)


def _unwrap(annotation) -> tuple[Any, bool]:
    """(the type inside Optional[...] and Annotated[...], whether it is a list)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is list:
        return _unwrap(typing.get_args(annotation)[0])[0], True
    return annotation, False


def field_at(model: type[BaseModel], key: str) -> FieldInfo:
    """The pydantic field at a dotted key (``trafilatura.timeout_s``), through nested models; an empty field for a
    key that is no field (one the stage's ``finish_block`` turns into config)."""
    *parents, last = key.split(".")
    for part in parents:
        model, _ = _unwrap(model.model_fields[part].annotation)
    return model.model_fields.get(last) or FieldInfo()


def _python_type(field: FieldInfo, opt: Opt) -> Any:
    if opt.switch:
        return bool
    if opt.repeat:
        return Optional[list[str]]
    inner, is_list = _unwrap(field.annotation)
    if opt.parse is None and not is_list and inner in _SCALARS:
        return Optional[inner]
    return Optional[str]


def _help(field: FieldInfo, opt: Opt, default: Any = None) -> str:
    text = opt.help or field.description or ""
    default = field.get_default(call_default_factory=True) if default is None else default
    if not opt.switch and isinstance(default, (*_SCALARS, list)) and default not in ("", []):
        shown = ",".join(map(str, default)) if isinstance(default, list) else default
        text += f" (default: {shown})"
    return text


def _auto_opts(spec: StageSpec) -> list[Opt]:
    declared = {o.key.split(".")[0] for o in spec.options}
    auto = []
    for name, field in spec.config.model_fields.items():
        inner, _ = _unwrap(field.annotation)
        if name not in declared and name not in spec.hidden and (inner in _SCALARS or
                                                                   typing.get_origin(inner) is typing.Literal):
            auto.append(Opt(name))
    return [*auto, *spec.options]


def _value(field: FieldInfo, opt: Opt, raw: Any) -> Any:
    if opt.switch:
        return opt.value
    if opt.parse is not None:
        return opt.parse(raw)
    if _unwrap(field.annotation)[1]:
        return [x.strip() for x in str(raw).split(",") if x.strip()]
    return raw


def stage_command(spec: StageSpec, run: typing.Callable) -> typing.Callable:
    """A typer command running ``spec``'s stage alone; ``run(spec, block, run_options, inputs, output, dry_run,
    verbose, quiet)`` does the work once the options are turned into the stage's block.

    The command's parameters are named ``o<i>`` for a key of the stage's block and ``r<i>`` for a key of the run
    config (input, executor); the option names the user types are the :class:`Opt` flags.
    """
    stage_opts = [(f"o{i}", opt, field_at(spec.config, opt.key)) for i, opt in enumerate(_auto_opts(spec))]
    run_opts = [(f"r{i}", Opt(key, flags), field_at(RunConfig, key)) for i, (key, flags) in enumerate(_RUN_OPTS)
                if spec.takes_inputs or not key.startswith("input.")]
    params = []
    if spec.takes_inputs:
        params.append(_param("inputs", list[Path], typer.Argument(help="input files or folders (crawl files, HTML "
                                                                        "folders, JSONL, Parquet)"), inspect._empty))
    params.append(_param("output", Path, typer.Option("--output", "-o", help="the run's output folder"),
                         inspect._empty))
    for name, opt, field in stage_opts + run_opts:
        default = spec.input_defaults.get(opt.key.removeprefix("input.")) if name.startswith("r") else None
        kind = _python_type(field, opt)
        flags = opt.names if kind != Optional[bool] else (f"{opt.names[0]}/--no-{opt.names[0][2:]}", *opt.names[1:])
        params.append(_param(name, kind, typer.Option(*flags, help=_help(field, opt, default)),
                             False if opt.switch else None))
    params.append(_param("dry_run", bool, typer.Option("--dry-run", help="print the resolved config and the steps; "
                                                                          "run nothing"), False))
    params.append(_param("verbose", bool, typer.Option("--verbose", "-v", help="show datatrove's logs live"), False))
    params.append(_param("quiet", bool, typer.Option("--quiet", "-q", help="print only errors and the final "
                                                                         "summary"), False))

    def command(**kwargs) -> None:
        block: dict = {}
        run_options: dict = {"input": dict(spec.input_defaults)} if spec.takes_inputs else {}
        setters: dict[str, str] = {}
        for name, opt, field in stage_opts + run_opts:
            raw = kwargs[name]
            if raw is None or raw == [] or (opt.switch and not raw):
                continue
            if opt.key in setters and name.startswith("o"):
                raise ConfigError(f"{setters[opt.key]} cannot be combined with {opt.names[0]} (both set {opt.key})")
            setters[opt.key] = opt.names[0]
            set_dotted(block if name.startswith("o") else run_options, opt.key, _value(field, opt, raw))
        run(spec, spec.finish(block), run_options, kwargs.get("inputs") or [], kwargs["output"], kwargs["dry_run"],
            kwargs["verbose"], kwargs["quiet"])

    command.__signature__ = inspect.Signature(params)
    command.__doc__ = spec.help
    command.__name__ = spec.name
    return command


def _param(name: str, annotation: Any, info: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=Annotated[annotation, info])

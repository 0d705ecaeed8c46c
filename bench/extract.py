"""Benchmark of the extract stage: the quality of the text it keeps and its speed, beside its anchors, in one run.

    .venv/bin/python bench/extract.py [--data ../shared/data] [--pages N] [--rounds 2] [--skip-quality]

1. Quality, on trafilatura's 990-page evaluation set, scored as trafilatura's own evaluation scores (whitespace-
   normalised substring tests: each "with" snippet found is a true positive, missing a false negative; each
   "without" snippet found a false positive, absent a true negative). Every figure comes from the real CLI
   (``curate extract <html folder>`` or ``curate run``, 2 tasks) beside ``trafilatura.extract`` run here on the
   same bytes:
   - the extractors alone (``--filters none --no-language-id``), trafilatura and Resiliparse, on every page; a page
     the stage dropped counts as empty output;
   - the text the default pipeline keeps (English, then the five filters). The filters drop whole pages (that is
     their job, and a dropped page has no text to score), so kept-text F1 is scored on the pages the pipeline keeps,
     and plain trafilatura is scored on those same pages: the difference is then the text the filters removed from
     the pages they kept. How many pages language ID and the filters dropped is printed beside it. The same with C4
     cutting the lines that fail its rules (``edit_text``), as FineWeb's C4 does, and as datatrove's default C4
     does (with its terminal-punctuation rule), to show what each removes.
2. Speed, in pages per CPU-second on one core, over a WARC of the same 990 pages with their URLs. Every run (each
   a datatrove pipeline as one task, or a plain loop) works in its own thread, and they take the pages in turns:
   every run processes page 1, then every run page 2, in the reverse order, and so on, one thread running at a time.
   The speed of a shared machine drifts by a third from one second to the next; taken in turns, every run meets the
   same drift on the same page, so the ratios hold where whole runs one after another did not. Each run's CPU is
   its thread's own clock, plus its extraction sandbox (a child process, counted when it is reaped). After an
   untimed warm-up of every run (imports, spaCy, the language model: what a worker process pays once), the figures
   are the CPU from each run's second page to its end, over ``--rounds`` rounds. What a run spends up to the end of
   its first page is printed on its own as its start-up: set-up, and what a pipeline loads lazily at its first page
   (datatrove's URL filter reads its block lists in every task, curate's once per worker process, shared by the tasks
   it runs; datatrove's filters each load a word tokenizer). Runs:
   - anchor: a plain ``trafilatura.extract`` loop over the raw bytes, same options;
   - curate extract with its defaults (English kept, then the five filters), and the same with Resiliparse;
   - "same work" pair: curate extract with the five filters on every page (no language ID; C4 cutting lines as
     datatrove's does, ``edit_text``) beside datatrove's own equivalent pipeline: its ``WarcReader``, its
     ``URLFilter``, its ``Trafilatura`` extractor (same options, same timeout sandbox), its four text filters at the
     same settings (FineWeb's C4), its ``JsonlWriter``. Both keep the same pages with the same text
     (``tests/extract/test_filters_exact.py``);
   - datatrove's pipeline with language ID before its filters, beside curate's defaults. datatrove's
     ``LanguageFilter`` downloads a fastText model at run time, which this project never does, so that run uses
     curate's language-ID step (the same code and settings as on our side): the ratio then measures reading,
     extraction and filters;
   - a plain Resiliparse ``extract_plain_text`` loop (Resiliparse's own decoding), the anchor of the Resiliparse run.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import io
import itertools
import json
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from functools import partial
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

REPO = Path(__file__).resolve().parents[1]
PUBLISHED_F1 = 0.924  # trafilatura's documented F1 on this set (standard mode)
FILTER_PREFIXES = ("url", "gopher", "c4", "fineweb")
C4_VARIANTS = {  # C4 blocks of the variants whose kept text is scored beside the defaults'
    "fineweb-c4": {"name": "c4", "edit_text": True},
    "datatrove-c4": {"name": "c4", "edit_text": True, "filter_no_terminal_punct": True, "typographic_closers": False},
}


def filters_with(c4: dict) -> list[dict]:
    """The default filter list with this C4 block."""
    return [{"name": "url"}, {"name": "gopher_repetition"}, {"name": "gopher_quality"}, c4, {"name": "fineweb"}]
TRAFILATURA = {"include_comments": False, "include_tables": True, "favor_precision": False, "favor_recall": False,
               "deduplicate": False}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def score(outputs: dict[str, str], entries: list[dict]) -> dict:
    """Precision, recall and F1 of ``outputs`` (file name -> text) over the evaluation ``entries``."""
    tp = fn = fp = 0
    for entry in entries:
        out = norm(outputs.get(entry["file"], ""))
        found = [norm(s) in out for s in entry.get("with", [])]
        tp, fn = tp + sum(found), fn + len(found) - sum(found)
        fp += sum(norm(s) in out for s in entry.get("without", []))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def read_docs(folder: Path, what: str = "*.jsonl.gz") -> dict[str, dict]:
    """id -> document, of the files ``what`` in ``folder``."""
    docs = {}
    for path in folder.glob(what):
        for line in gzip.open(path, "rt", encoding="utf-8"):
            doc = json.loads(line)
            docs[doc["id"]] = doc
    return docs


def curate_cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "curate", *args], check=True, capture_output=True)


def quality(tmp: Path, entries: list[dict], pages: dict[str, bytes]) -> None:
    html = tmp / "html"
    html.mkdir()
    for name, raw in pages.items():
        (html / name).write_bytes(raw)
    for out, extra in [("bare", ["--filters", "none", "--no-language-id"]),
                       ("bare-resiliparse", ["--filters", "none", "--no-language-id", "--extractor", "resiliparse"]),
                       ("defaults", [])]:
        curate_cli("extract", str(html), "-o", str(tmp / out), "--tasks", "2", *extra)
    for name, c4 in C4_VARIANTS.items():
        config = tmp / f"{name}.yaml"
        config.write_text(json.dumps({"name": name, "output": str(tmp / name), "input": {"paths": [str(html)]},
                                      "executor": {"tasks": 2}, "extract": {"filters": filters_with(c4)}}))
        curate_cli("run", str(config))
    plain = {name: trafilatura_bytes(raw) for name, raw in pages.items()}
    resiliparse = {name: resiliparse_bytes(raw) for name, raw in pages.items()}
    rows = [("trafilatura.extract, here", plain, entries),
            ("curate extract, extraction only", texts_of(tmp / "bare"), entries),
            ("Resiliparse extract_plain_text, here", resiliparse, entries),
            ("curate extract --extractor resiliparse", texts_of(tmp / "bare-resiliparse"), entries)]
    print(f"\n== extraction quality on {len(entries)} trafilatura-eval pages (every page) ==")
    print_scores(rows)
    print(f"{'trafilatura, published':44} {'':>9} {'':>7} {PUBLISHED_F1:>6.3f}")
    kept_text_quality(tmp, entries, plain)


def texts_of(out: Path) -> dict[str, str]:
    return {i: d["text"] for i, d in read_docs(out / "extract").items()}


def print_scores(rows: list[tuple[str, dict, list]]) -> dict[str, dict]:
    print(f"{'':44} {'precision':>9} {'recall':>7} {'F1':>6}")
    scores = {}
    for label, outputs, entries in rows:
        s = scores[label] = score(outputs, entries)
        print(f"{label:44} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}")
    return scores


def kept_text_quality(tmp: Path, entries: list[dict], plain: dict[str, str]) -> None:
    """F1 of the text the default pipeline keeps, on the pages it keeps, beside trafilatura on the same pages."""
    for out, label in [("defaults", "defaults"), ("fineweb-c4", "C4 cutting lines, as FineWeb's (edit_text)"),
                       ("datatrove-c4", "C4 as datatrove's default (cutting lines, terminal-punctuation rule)")]:
        kept = texts_of(tmp / out)
        dropped = {reason.name: len(read_docs(reason)) for reason in (tmp / out / "extract" / "rejected").iterdir()}
        by_lid = sum(n for r, n in dropped.items() if r.startswith("language"))
        by_filters = sum(n for r, n in dropped.items() if r.startswith(FILTER_PREFIXES))
        on_kept = [e for e in entries if e["file"] in kept]
        print(f"\n== text kept by curate extract, {label}: {len(on_kept)} pages kept; dropped by language ID "
              f"{by_lid}, by the filters {by_filters}, otherwise {sum(dropped.values()) - by_lid - by_filters} ==")
        scores = print_scores([("trafilatura.extract on the same pages", plain, on_kept),
                               ("curate extract, kept text", kept, on_kept)])
        ours, ref = scores["curate extract, kept text"]["f1"], scores["trafilatura.extract on the same pages"]["f1"]
        edits = read_docs(tmp / out / "extract" / "edits", "*/*.jsonl.gz")
        target = " (target: within 0.005)" if out == "defaults" else ""
        print(f"kept-text F1 minus trafilatura's: {ours - ref:+.3f}{target}; {len(edits)} text edits recorded in "
              f"extract/edits/, per rule in report/funnel.json")


def build_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    """One gzipped WARC of ``(url, html)`` response records, as a crawler writes them."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, raw in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(raw), http_headers=http,
                warc_headers_dict={"WARC-Identified-Payload-Type": "text/html"}))


class Turn(threading.Thread):
    """One run of the speed comparison, in its own thread, taking the pages in turns with the others (see
    :func:`lockstep`). ``body(wait)`` runs the whole run and calls ``wait()`` before it takes each page.

    CPU is counted on this thread's own clock, so the other runs, all blocked while it has its turn, add nothing.
    ``startup`` is what the run spent before it asked for its second page: its set-up and its first page, which loads
    what a pipeline loads lazily (tokenizers, the sandbox's child process); ``cpu`` is what it spent from then to its
    end, on the other pages."""

    def __init__(self, key: str, body):
        super().__init__(name=key, daemon=True)
        self.key, self.body = key, body
        self.go, self.back = threading.Event(), threading.Event()
        self.startup = self.cpu = self.children = 0.0
        self.done, self.error, self._first, self._asked = False, None, None, 0

    def wait(self) -> None:
        """Ends this run's turn and waits for the next."""
        self._asked += 1
        if self._asked == 2:
            self._first = time.thread_time()
            self.startup = self._first - self._begin
        self.back.set()
        self.go.wait()
        self.go.clear()

    def run(self) -> None:
        self._begin = time.thread_time()
        try:
            self.body(self.wait)
        except BaseException as err:  # re-raised by lockstep()
            self.error = err
        finally:
            self.cpu = time.thread_time() - (self._first if self._first is not None else self._begin)
            self.done = True
            self.back.set()

    def take_turn(self) -> None:
        """Let the run go on to its next page (or its end) and wait until it asks for the one after; the CPU of the
        processes it reaped meanwhile (its extraction sandbox, at its end or after a timeout) is counted as its own,
        all of it: the sandbox's start and first page too, which weighs against the pipelines by a page in 990."""
        before = children_cpu()
        self.back.clear()
        self.go.set()
        self.back.wait()
        self.children += children_cpu() - before


def children_cpu() -> float:
    """CPU time of this process's reaped children."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def lockstep(turns: list[Turn]) -> None:
    """Runs ``turns`` page by page: every run takes page 1 in turn, then every run page 2 (in the reverse order), and
    so on, one thread running at a time. The machine's speed drifts by a third from one second to the next on a
    shared host; taken this way, every run meets the same drift on the same page, so the ratios hold.

    Python's cyclic garbage collector is off meanwhile (and so in the sandboxes forked meanwhile): with every run's
    pipeline in one process, a full collection walks the objects of all of them, and its cost would be charged to
    whichever run happened to trigger it."""
    gc.collect()
    gc.disable()
    try:
        for turn in turns:  # start-ups, one at a time
            turn.start()
            turn.back.wait()
        for page in itertools.count():
            live = [turn for turn in turns if not turn.done]
            if not live:
                break
            for turn in live if page % 2 == 0 else live[::-1]:
                turn.take_turn()
    finally:
        gc.enable()
    for turn in turns:
        turn.join()
        if turn.error is not None:
            raise turn.error


class Gate(PipelineStep):
    """Put right after a pipeline's reader: the run waits for its turn before it reads each page."""

    name = "⏸ turns"

    def __init__(self, wait):
        super().__init__()
        self.wait = wait

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        pages = iter(data)
        while True:
            self.wait()
            doc = next(pages, None)
            if doc is None:
                return
            yield doc


def pipe(steps: list) -> None:
    """Runs a datatrove pipeline as datatrove's executor runs a task (each step's output piped into the next), without
    the executor's task logs and stats files."""
    data = None
    for step in steps:
        data = step(data, 0, 1)
    deque(data, maxlen=0)


def ours(tmp: Path, name: str, block: dict):
    """The body of a run of the extract stage with ``block`` over a WARC: the stage's pipeline as planned for one task,
    its reader gated."""
    from curate.config import parse_config
    from curate.pipeline import plan_run

    def body(warc: Path, wait) -> None:
        cfg = parse_config({"name": "bench", "output": str(tmp / f"{name}-{time.monotonic_ns()}"),
                            "input": {"paths": [str(warc)]}, "executor": {"tasks": 1}, "extract": block})
        (group,) = plan_run(cfg)[0].plan.groups
        reader, *steps = group.pipeline
        pipe([reader, Gate(wait), *steps])

    return body


def datatrove_pipeline(tmp: Path, name: str, language_id: bool):
    """The body of a run of datatrove's equivalent pipeline (see the module docstring) over a WARC."""
    from datatrove.pipeline import filters
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from tldextract import TLDExtract

    from curate.extract.config import LanguageIdConfig
    from curate.extract.steps import LanguageId

    def body(warc: Path, wait) -> None:
        url = filters.URLFilter()
        url.tldextractor = TLDExtract(suffix_list_urls=())  # offline, as in curate
        extractor = Trafilatura(favour_precision=False, deduplicate=False, timeout=10.0, include_tables=True)
        lid = [LanguageId(LanguageIdConfig())] if language_id else []
        pipe([WarcReader(str(warc.parent), glob_pattern=warc.name), Gate(wait), url, extractor, *lid,
              filters.GopherRepetitionFilter(), filters.GopherQualityFilter(),
              filters.C4QualityFilter(filter_no_terminal_punct=False), filters.FineWebQualityFilter(),
              JsonlWriter(str(tmp / f"{name}-{time.monotonic_ns()}" / "kept"))])

    return body


def plain_loop(extract):
    """The body of a loop of ``extract(raw bytes)`` over a WARC's pages, read beforehand (not timed)."""
    def body(warc: Path, wait) -> None:
        for raw in PAGES[warc]:
            wait()
            extract(raw)

    return body


def trafilatura_bytes(raw: bytes) -> str:
    import trafilatura

    return trafilatura.extract(raw, **TRAFILATURA) or ""


def resiliparse_bytes(raw: bytes) -> str:
    """Resiliparse with its own decoding and the stage's default options."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    from curate.extract.config import ResiliparseConfig

    return extract_plain_text(bytes_to_str(raw, detect_encoding(raw)),
                              **ResiliparseConfig().options())


PAGES: dict[Path, list[bytes]] = {}  # WARC -> its pages' bytes, for the plain loops


def speed(tmp: Path, pages: list[tuple[str, bytes]], warmup: int, rounds: int) -> None:
    from loguru import logger

    logger.disable("")  # the pipelines' own logs (sandbox start and stop, reader progress) would drown the figures
    warc, warm = tmp / "speed" / "pages.warc.gz", tmp / "warm" / "pages.warc.gz"
    for path, subset in [(warc, pages), (warm, pages[:warmup])]:
        path.parent.mkdir()
        build_warc(path, subset)
        PAGES[path] = [raw for _, raw in subset]
    runs = {
        "anchor": ("plain trafilatura.extract loop (anchor)", plain_loop(trafilatura_bytes)),
        "defaults": ("curate extract, defaults (English, 5 filters)", ours(tmp, "defaults", {})),
        "dt_lid": ("datatrove pipeline + the same language ID", datatrove_pipeline(tmp, "dt-lid", True)),
        "all": ("curate extract, 5 filters on every page", ours(
            tmp, "all", {"language": None, "filters": filters_with(C4_VARIANTS["fineweb-c4"])})),
        "dt_all": ("datatrove pipeline, 5 filters on every page", datatrove_pipeline(tmp, "dt-all", False)),
        "resiliparse": ("curate extract --extractor resiliparse", ours(tmp, "rp", {"extractor": "resiliparse"})),
        "rp_anchor": ("plain Resiliparse loop", plain_loop(resiliparse_bytes)),
    }

    def turns(folder: Path) -> list[Turn]:
        return [Turn(key, partial(body, folder)) for key, (_, body) in runs.items()]

    lockstep(turns(warm))  # imports, spaCy, models: what a worker process pays once
    totals = {key: [0.0, 0.0] for key in runs}  # CPU seconds over all rounds: steady, start-up
    for _ in range(rounds):
        done = turns(warc)
        lockstep(done)
        for turn in done:
            totals[turn.key][0] += turn.cpu + turn.children
            totals[turn.key][1] += turn.startup
    timed = rounds * (len(pages) - 1)  # pages after each run's first
    figures = {key: (steady / timed, startup / rounds) for key, (steady, startup) in totals.items()}
    report_speed({key: label for key, (label, _) in runs.items()}, figures, len(pages), rounds)


def report_speed(labels: dict[str, str], figures: dict[str, tuple[float, float]], n: int, rounds: int) -> None:
    rate = {key: 1 / per_page for key, (per_page, _) in figures.items()}
    print(f"\n== speed: pages per CPU-second on one core, {n} pages in one WARC taken in turns by every run, "
          f"{rounds} round(s); and each run's start-up ==")
    for key, label in labels.items():
        print(f"{label:48} {rate[key]:7.1f}   start-up {figures[key][1]:5.1f} CPU-s")
    print("\nratios (same run):")
    checks = [("curate defaults / plain trafilatura loop", "defaults", "anchor", 0.85),
              ("curate, 5 filters on every page / datatrove's pipeline, same work", "all", "dt_all", 1.5),
              ("curate defaults / datatrove's pipeline + the same language ID", "defaults", "dt_lid", None),
              ("curate defaults with Resiliparse / plain trafilatura loop", "resiliparse", "anchor", None),
              ("curate defaults with Resiliparse / plain Resiliparse loop", "resiliparse", "rp_anchor", None)]
    for label, ours_key, ref_key, target in checks:
        ratio = rate[ours_key] / rate[ref_key]
        verdict = f"   (target >= {target}: {'met' if ratio >= target else 'NOT met'})" if target else ""
        print(f"{label:68} {ratio:5.2f}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--pages", type=int, default=None, help="use only the first N pages (default: all 990)")
    parser.add_argument("--warmup", type=int, default=20, help="pages of the untimed warm-up")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds over every page; the figures sum them")
    parser.add_argument("--skip-quality", action="store_true", help="speed only")
    args = parser.parse_args()
    folder = args.data / "trafilatura-eval"
    evaldata = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    by_file = sorted(((e["file"], url, e) for url, e in evaldata.items()))[: args.pages]
    entries = [e for _, _, e in by_file]
    raw = {name: gzip.decompress((folder / "html" / f"{name}.gz").read_bytes()) for name, _, _ in by_file}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_quality:
            quality(Path(tmp), entries, raw)
        speed(Path(tmp), [(url, raw[name]) for name, url, _ in by_file], args.warmup, args.rounds)


if __name__ == "__main__":
    main()

"""Code seeds: Python functions that carry their own tests, and the programs that check a code answer.

A code seed is a question whose answer is code. It is kept only if that code runs correctly in the sandbox
(:mod:`curate.seeds.sandbox`); Phi-4's principle: "code should execute correctly".

- Mined (no LLM): a function with a docstring holding doctest examples (``>>> f(2)`` / ``4``), found in a code file
  (parsed with :mod:`ast`, the file's imports kept beside the function) or in a page's code block (lines from
  ``def`` to the end of its indented body). The question asks for the function, from its signature and the prose of
  its docstring; the answer is the function; the check runs its doctests.
- Extracted (LLM, prompt ``code``): a question, a solution and a test in fenced blocks; the check runs the solution
  followed by the test (:func:`parse_code_answer`).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

_DEF_LINE = re.compile(r"^(?P<indent>[ \t]*)(?:async\s+)?def\s+\w+\s*\(")
_FENCE = re.compile(r"```[ \t]*(?:python|py)?[ \t]*\n(?P<code>.*?)```", re.DOTALL | re.IGNORECASE)
_LABEL = re.compile(r"^\W*(question|answer|solution|test|tests)\W*:", re.IGNORECASE | re.MULTILINE)
# runs the answer's doctests; skipped examples do not count, so a function whose examples all skip fails
DOCTEST_HARNESS = ("import doctest as _doctest, sys as _sys\n_result = _doctest.testmod()\n"
                   "if not _result.attempted:\n    _sys.exit('doctest: no example was run (all skipped)')\n"
                   "if _result.failed:\n"
                   "    _sys.exit(f'doctest: {_result.failed} of {_result.attempted} examples failed')\n")


@dataclass
class CodeSeed:
    question: str
    answer: str  # the function's source (with the imports it needs)
    test: str  # what the check appends to the answer
    name: str
    span: tuple[int, int]


def _question(fn: ast.FunctionDef, docstring: str) -> str | None:
    """'Write a Python function `name(args)`. Its documentation says: ...' from the docstring's first paragraph
    (its examples left out)."""
    prose = " ".join(docstring.split(">>>")[0].strip().split("\n\n")[0].split())
    if len(prose.split()) < 3:
        return None
    signature = f"{fn.name}({ast.unparse(fn.args)})"
    return f"Write a Python function `{signature}`. Its documentation says: {prose}"


def _seed(fn: ast.AST, source: str, imports: list[str], offset: int) -> CodeSeed | None:
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    doc = ast.get_docstring(fn)
    if not doc or ">>>" not in doc:
        return None
    question = _question(fn, doc)
    body = ast.get_source_segment(source, fn, padded=False)
    if question is None or body is None:
        return None
    start = offset + _char_offset(source, fn.lineno, fn.col_offset)
    answer = "\n".join([*imports, "", body]) if imports else body
    return CodeSeed(question, answer, DOCTEST_HARNESS, fn.name, (start, start + len(body)))


def _char_offset(source: str, lineno: int, col: int) -> int:
    return sum(len(line) + 1 for line in source.split("\n")[: lineno - 1]) + col


def file_functions(source: str) -> list[CodeSeed]:
    """Top-level functions of a Python file whose docstrings hold doctests, each with the file's imports."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    imports = [ast.get_source_segment(source, n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    seeds = [_seed(n, source, [i for i in imports if i], 0) for n in tree.body]
    return [s for s in seeds if s is not None]


def page_functions(text: str) -> list[CodeSeed]:
    """Functions with doctests in a page's code blocks: from a ``def`` line to the end of its indented body."""
    lines = text.split("\n")
    seeds, i = [], 0
    while i < len(lines):
        m = _DEF_LINE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, j = len(m["indent"]), i + 1
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
            j += 1
        block = textwrap.dedent("\n".join(lines[i:j]))
        offset = sum(len(line) + 1 for line in lines[:i]) + indent
        try:
            tree = ast.parse(block)
        except (SyntaxError, ValueError):
            tree = None
        if tree is not None and tree.body:
            seed = _seed(tree.body[0], block, [], offset)
            if seed is not None:
                seeds.append(seed)
        i = j
    return seeds


def parse_code_answer(text: str) -> tuple[str | None, str | None, str | None]:
    """(question, solution, test) from an answer to the ``code`` prompt; None for the parts it lacks.

    The question is the text after ``Question:`` up to the next label or fence; the solution is the first fenced
    block after ``Answer:`` (or ``Solution:``); the test is the first fenced block after ``Test:``.
    """
    labels: dict[str, re.Match] = {}
    for m in _LABEL.finditer(text):
        labels.setdefault(m.group(1).lower().rstrip("s"), m)
    question = None
    if "question" in labels:
        rest = text[labels["question"].end():]
        ends = [m.start() for m in _LABEL.finditer(rest)] + [rest.find("```"), len(rest)]
        question = rest[: min(e for e in ends if e >= 0)].strip() or None

    def block_after(names: tuple[str, ...]) -> str | None:
        for name in names:
            if name in labels:
                m = _FENCE.search(text, labels[name].end())
                if m:
                    return m["code"].strip() or None
        return None

    return question, block_after(("answer", "solution")), block_after(("test",))


def program(answer: str, test: str) -> str:
    """The program the sandbox runs for a code seed: the answer, then its test."""
    return f"{answer.rstrip()}\n\n{test.strip()}\n"

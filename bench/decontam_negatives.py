"""Hard negatives for bench/decontam.py: real text that looks like benchmark material but holds no test item.

Seven kinds, each a list of snippets that the benchmark inserts into real pages:

- quiz items of the same benchmarks' train and dev splits (MMLU dev + val, ARC-Challenge Dev, GSM8K train, MATH
  train), in every form the positive cases use; an item that repeats a test item (the same stem of 7+ words as
  exactly one test item, or a 13-gram shared with 1-4 test items: a passage quoted in both splits) is a true
  positive, not a negative, and is left out;
- stock quiz stems ("Which of the following is true?") with the options of a dev item;
- common facts, written here ("Paris is the capital of France."), which quiz answers often restate;
- a single option: a test item's correct option (under 13 words) alone in a sentence;
- licence text: excerpts of the real LICENSE files installed in this virtualenv;
- code boilerplate: real functions of the Python standard library;
- number tables: calendars, multiplication tables, price lists.
"""

from __future__ import annotations

import calendar
import random
import re
import sysconfig
from pathlib import Path

STOCK_STEMS = [
    "Which of the following is true?", "Which of the following is NOT true?", "Which of the following statements "
    "is correct?", "Which of the following statements is false?", "Which of the following is an example of this?",
    "Choose the best answer.", "Select all that apply.", "Which of these is correct?", "What is the best answer?",
    "Which statement is true?", "Which of the following best describes this process?", "All of the following "
    "are true EXCEPT:", "Which of the following would most likely happen?", "What is the main idea of the passage?",
    "Which of the following is the best explanation?", "Which option is correct?", "Which of the following is "
    "most likely?", "Identify the correct statement.", "Which of the following is the correct answer?",
    "Which of the following is least likely to be true?",
]
COMMON_FACTS = [
    "Paris is the capital of France.", "Water boils at 100 degrees Celsius at sea level.",
    "The Earth revolves around the Sun once every year.", "The mitochondria is the powerhouse of the cell.",
    "Plants make their food through photosynthesis.", "The heart pumps blood through the body.",
    "There are seven continents on Earth.", "The Pacific Ocean is the largest ocean.",
    "Mount Everest is the highest mountain in the world.", "Light travels faster than sound.",
    "The Moon orbits the Earth.", "DNA carries genetic information.", "Ice melts at 0 degrees Celsius.",
    "The human body has 206 bones.", "Mercury is the closest planet to the Sun.", "Gravity pulls objects toward "
    "the Earth.", "A triangle has three sides.", "The sum of the angles of a triangle is 180 degrees.",
    "Oxygen is needed for combustion.", "The Amazon is the largest rainforest in the world.",
    "George Washington was the first president of the United States.", "World War II ended in 1945.",
    "The Declaration of Independence was signed in 1776.", "Shakespeare wrote Romeo and Juliet.",
    "The speed of light is about 300,000 kilometers per second.", "Sound cannot travel through a vacuum.",
    "Whales are mammals, not fish.", "Bats are the only mammals that can fly.", "Diamonds are made of carbon.",
    "The chemical symbol for gold is Au.", "Water is made of hydrogen and oxygen.", "The Sun is a star.",
    "Jupiter is the largest planet in the solar system.", "Electrons have a negative charge.",
    "Supply and demand determine prices in a market economy.", "Inflation reduces the purchasing power of money.",
    "The Nile is one of the longest rivers in the world.", "Insects have six legs.", "Spiders have eight legs.",
    "The brain controls the nervous system.", "Red blood cells carry oxygen.", "Vaccines help prevent disease.",
    "Rome is the capital of Italy.", "Tokyo is the capital of Japan.", "Canberra is the capital of Australia.",
    "A prime number has exactly two divisors.", "Pi is approximately 3.14159.", "Acids have a pH below 7.",
    "Energy cannot be created or destroyed.", "Force equals mass times acceleration.",
    "The Great Wall of China is thousands of kilometers long.", "Leaves are green because of chlorophyll.",
    "Earthquakes happen along fault lines.", "Volcanoes form where magma reaches the surface.",
    "Evaporation turns liquid water into water vapor.", "The equator divides the Earth into two hemispheres.",
    "The Renaissance began in Italy.", "The French Revolution began in 1789.", "A square has four equal sides.",
    "Photosynthesis produces oxygen.",
]


def licence_texts(rng: random.Random, n: int, keep) -> list[str]:
    """Excerpts (60-200 words) of the LICENSE/COPYING files installed in the running virtualenv (``keep(path)``
    picks this split's files)."""
    root = Path(sysconfig.get_paths()["purelib"])
    files = sorted(p for p in root.glob("*.dist-info/**/*") if p.is_file() and keep(p.parent.name + p.name)
                   and re.match(r"(LICEN[CS]E|COPYING)", p.name, re.I))
    texts = []
    for path in rng.sample(files, min(len(files), 4 * n)):
        words = path.read_text(encoding="utf-8", errors="replace").split()
        if len(words) >= 60:
            start = rng.randrange(max(1, min(len(words) - 60, 400)))
            texts.append(" ".join(words[start:start + rng.randint(60, 200)]))
        if len(texts) == n:
            break
    return texts


def code_snippets(rng: random.Random, n: int, keep) -> list[str]:
    """Whole functions (5-40 lines, with their docstrings) from the standard library's Python files (``keep(name)``
    picks this split's files)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.glob("*.py") if keep(p.name))
    out = []
    for path in rng.sample(files, len(files)):
        source = path.read_text(encoding="utf-8", errors="replace")
        funcs = re.findall(r"^def \w+\(.*?(?=^\S)", source, flags=re.M | re.S)
        funcs = [f.rstrip() for f in funcs if 5 <= f.count("\n") <= 40]
        if funcs:
            out.append(f"```python\n{rng.choice(funcs)}\n```")
        if len(out) == n:
            break
    return out


def number_tables(rng: random.Random, n: int) -> list[str]:
    """Calendars, multiplication tables and price lists: rows of numbers a plain n-gram matcher trips on."""
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            out.append(calendar.month(rng.randint(1990, 2030), rng.randint(1, 12)))
        elif kind == 1:
            base = rng.randint(2, 12)
            out.append("\n".join(f"{base} x {k} = {base * k}" for k in range(1, 13)))
        else:
            rows = [f"{rng.choice(['Small', 'Medium', 'Large', 'Family', 'Single'])} {rng.randint(1, 9)} "
                    f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d} {rng.randint(1, 30)}" for _ in range(10)]
            out.append("size qty price days\n" + "\n".join(rows))
    return out


def stock_quizzes(rng: random.Random, dev_items: list, n: int) -> list[str]:
    """A stock stem followed by the four options of a dev item, in the usual lettered layout."""
    with_options = [it for it in dev_items if len(it.options) >= 3]
    out = []
    for _ in range(n):
        opts = rng.choice(with_options).options
        out.append(rng.choice(STOCK_STEMS) + "\n" + "\n".join(f"{'ABCDE'[i]}. {o}" for i, o in enumerate(opts)))
    return out


def single_options(rng: random.Random, test_items: list, n: int, words) -> list[str]:
    """The correct option of a test item (under 13 words) on its own, in a sentence of a page."""
    pool = [it.answer for it in test_items if it.options and 1 <= words(it.answer) < 13]
    frames = ["In the end, the committee settled on {}.", "Our guide's short answer: {}.", "{}, as the notes put it.",
              "See also: {}", "The word of the day is {}."]
    return [rng.choice(frames).format(a) for a in rng.sample(pool, min(n, len(pool)))]


def facts(rng: random.Random, n: int) -> list[str]:
    """Common facts, a few per snippet, the way a study page lists them."""
    return [" ".join(rng.sample(COMMON_FACTS, rng.randint(1, 3))) for _ in range(n)]


"""Build the quickstart's WARC from real pages of trafilatura's evaluation set (run once; the output is committed).

    python data/quickstart/build_warc.py ../shared/data data/quickstart/pages.warc.gz

What goes in (deterministic: pages taken in the sorted order of their URLs):
- 150 English and 40 non-English real pages from trafilatura-eval (their original URLs as WARC-Target-URI);
- 4 exact copies of English pages under another URL, and 4 near copies (one paragraph of navigation boilerplate
  added, one sentence removed), so the dedup stage has work;
- 2 English pages with a GSM8K test question and its answer pasted into the body, so the decontam stage has work.
Every record is a WARC/1.1 ``response`` with an HTTP header block, gzip-compressed per record (seekable).
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import uuid
from pathlib import Path

WARC_DATE = "2024-05-20T12:00:00Z"
N_ENGLISH, N_OTHER, N_EXACT, N_NEAR, N_CONTAMINATED = 150, 40, 4, 4, 2


def load_pages(shared: Path):
    import trafilatura
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    lid = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    evaldata = json.loads((shared / "trafilatura-eval" / "evaldata.json").read_text())
    english, other = [], []
    for url in sorted(evaldata):
        path = shared / "trafilatura-eval" / "html" / (evaldata[url]["file"] + ".gz")
        if not path.is_file():
            continue
        html = gzip.decompress(path.read_bytes())
        text = trafilatura.extract(html.decode("utf-8", errors="replace")) or ""
        if len(text) < 500:
            continue
        lang, _ = lid.classify(text)
        bucket = english if lang == "en" else other
        bucket.append((url, html))
        if len(english) >= N_ENGLISH + N_EXACT + N_NEAR + N_CONTAMINATED and len(other) >= N_OTHER:
            break
    return english, other[:N_OTHER]


def near_copy(html: bytes) -> bytes:
    """The page with a navigation paragraph inserted after <body> and its last sentence-bearing <p> removed."""
    text = html.decode("utf-8", errors="replace")
    nav = '<p class="nav">Home | About us | Contact | Privacy policy | Terms of use | Newsletter sign-up</p>'
    body = text.lower().find("<body")
    if body != -1:
        close = text.find(">", body) + 1
        text = text[:close] + nav + text[close:]
    last_p = text.rfind("<p")
    if last_p != -1 and text.find("</p>", last_p) != -1:
        text = text[:last_p] + text[text.find("</p>", last_p) + 4:]
    return text.encode("utf-8")


def contaminate(html: bytes, question: str, answer: str) -> bytes:
    """The page with a test question and its answer pasted into its longest paragraph (main content, so the
    extractor keeps it)."""
    import re

    text = html.decode("utf-8", errors="replace")
    paragraphs = [m for m in re.finditer(r"<p[ >].*?</p>", text, flags=re.S | re.I)]
    longest = max(paragraphs, key=lambda m: m.end() - m.start())
    insert_at = longest.end() - len("</p>")
    pasted = f" Practice problem: {question} Solution: {answer.replace(chr(10), ' ')}"
    return (text[:insert_at] + pasted + text[insert_at:]).encode("utf-8")


def record(url: str, html: bytes) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(html)
    payload = http + html
    headers = (
        "WARC/1.1\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>\r\n"
        f"WARC-Date: {WARC_DATE}\r\nWARC-Target-URI: {url}\r\n"
        "WARC-Identified-Payload-Type: text/html\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(headers + payload + b"\r\n\r\n")
    return buf.getvalue()


def main(shared: Path, out: Path) -> None:
    english, other = load_pages(shared)
    base = english[:N_ENGLISH]
    extra = english[N_ENGLISH:]
    gsm8k = [json.loads(line) for line in (shared / "gsm8k" / "test.jsonl").read_text().splitlines()[:N_CONTAMINATED]]
    pages = list(base) + list(other)
    pages += [(f"{url}?copy=1", html) for url, html in base[:N_EXACT]]
    pages += [(f"{url}?mirror=1", near_copy(html)) for url, html in base[N_EXACT:N_EXACT + N_NEAR]]
    for (url, html), item in zip(extra[:N_CONTAMINATED], gsm8k):
        pages.append((url, contaminate(html, item["question"], item["answer"])))
    with open(out, "wb") as f:
        for url, html in pages:
            f.write(record(url, html))
    print(f"wrote {len(pages)} records to {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

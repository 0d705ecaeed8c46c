"""datatrove's InferenceRunner through our wiring: a local server that dies mid-run gives a clear error."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from datatrove.data import Document
from datatrove.pipeline.writers import JsonlWriter

from curate.llm import LLMConfig
from curate.llm.inference import LLMInferenceRunner
from curate.llm.server import LLMServerError

pytestmark = pytest.mark.llm


async def story(doc, generate):
    result = await generate({"messages": [{"role": "user", "content": doc.text}]})
    return {"text": result.text, "finish_reason": result.finish_reason}


def test_server_dying_mid_run_stops_the_task_with_its_exit_status(tmp_path):
    writer = JsonlWriter(str(tmp_path / "gen"), output_filename="${rank}_chunk_${chunk_index}.jsonl.gz")
    runner = LLMInferenceRunner(story, LLMConfig(concurrency=1), writer, checkpoints_dir=str(tmp_path / "ckpt"),
                                generation_params={"max_tokens": 64}, server_log_dir=str(tmp_path / "logs"))
    docs = [Document(text=f"Tell a story about the number {i}.", id=str(i)) for i in range(40)]
    errors: list[BaseException] = []

    def work():
        try:
            runner.run(iter(docs))
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            errors.append(err)

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 120
    first_done = tmp_path / "ckpt" / "00000" / "chunk_00000.jsonl"  # written once a document is finished
    while not first_done.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = runner._local.process.pid
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=120)
    assert not thread.is_alive()
    [err] = errors
    assert isinstance(err, LLMServerError)
    assert "killed by signal 9" in str(err) and "re-run the same command to resume" in str(err)

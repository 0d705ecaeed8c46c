"""Object storage, against a real S3-compatible server (moto in server mode, started by the session fixture): the
quickstart and the stage commands with their input and output on ``s3://`` keep exactly what the local runs keep, a
killed run with a remote output resumes to the same result, the same runs on Slurm, and a wrong bucket, missing or
refused credentials and an unreachable endpoint each stop the run before launch with one readable line."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from tests.s3.fixture import SECRET, CutProxy, MotoServer, s3_env
from tests.scaleout.scaleout_helpers import QUICKSTART, REPO, derived_config, kept_ids, rejected_ids

PAGES = REPO / "data" / "quickstart" / "pages.warc.gz"


def run(*args: str, env: dict | None = None, check: bool = True, timeout: float = 3600) -> subprocess.CompletedProcess:
    """``curate ARGS`` in a subprocess with ``env`` (default: this process's, which points at the S3 server)."""
    res = subprocess.run([sys.executable, "-m", "curate", *args], cwd=REPO, capture_output=True, text=True,
                         timeout=timeout, env=env)
    if check and res.returncode != 0:
        pytest.fail(f"curate {' '.join(args)} exited {res.returncode}\n{res.stdout[-4000:]}\n{res.stderr[-6000:]}")
    return res


def s3(server):
    import s3fs

    return s3fs.S3FileSystem(endpoint_url=server.url, use_listings_cache=False, skip_instance_cache=True)


def new_bucket(fs) -> str:
    name = f"curate-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    return name


def download(fs, prefix: str, local: Path) -> Path:
    """The whole remote folder ``prefix`` (bucket/path) copied to ``local``, to read it with the local helpers."""
    fs.get(prefix.rstrip("/") + "/", str(local) + "/", recursive=True)
    return local


def assert_secret_nowhere(folder: Path, *texts: str) -> None:
    """The session's secret key is in no file of ``folder`` (gzip files read decompressed) nor in ``texts``."""
    for text in texts:
        assert SECRET not in text
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            assert SECRET.encode() not in data, f"the secret key leaked into {path}"


def without_endpoint() -> dict:
    """This process's environment less AWS_ENDPOINT_URL: the config's storage block must bring the endpoint."""
    return {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}


@pytest.mark.slow
@pytest.mark.llm
def test_quickstart_on_s3_keeps_what_the_local_run_keeps(tmp_path, local_quickstart, s3_server):
    fs = s3(s3_server)
    bucket = new_bucket(fs)
    fs.put(str(PAGES), f"{bucket}/crawl/pages.warc.gz")
    from curate.config import load_config

    data = load_config(QUICKSTART).model_dump(mode="json", exclude_none=True)
    data |= {"output": f"s3://{bucket}/out", "storage": {"endpoint_url": s3_server.url},
             "input": {"paths": [f"s3://{bucket}/crawl/pages.warc.gz"], "format": "auto"}}
    config = tmp_path / "s3.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    res = run("run", str(config), env=without_endpoint())
    remote = download(fs, f"{bucket}/out", tmp_path / "remote")

    expected = kept_ids(local_quickstart)
    assert expected.get("extract") and expected.get("rewrite") is not None
    assert kept_ids(remote) == expected
    for stage in ("extract", "dedup", "score", "decontam"):
        assert rejected_ids(remote, stage) == rejected_ids(local_quickstart, stage), stage
    local_manifest = yaml.safe_load((local_quickstart / "manifest.yaml").read_text())
    manifest = yaml.safe_load((remote / "manifest.yaml").read_text())
    for name, source in local_manifest["sources"].items():
        got = manifest["sources"][name]
        assert (got["documents"], got["unique_tokens"]) == (source["documents"], source["unique_tokens"]), name
        assert [f["tokens"] for f in got["files"]] == [f["tokens"] for f in source["files"]]
        assert all(f["path"].startswith(f"s3://{bucket}/out/") for f in got["files"])
    verify = run("mixture-verify", f"s3://{bucket}/out/manifest.yaml")
    assert "every file matches" in verify.stdout
    for report in ("funnel.json", "index.html", "contamination.html", "dedup.json", "run_settings.json"):
        assert (remote / "report" / report).is_file(), report
    assert_secret_nowhere(remote, res.stdout, res.stderr)


@pytest.mark.slow
def test_stage_commands_read_and_write_s3(tmp_path, s3_server):
    """`curate extract s3://b/in.warc.gz --output s3://b/out`, then `curate dedup s3://b/out/extract --output
    s3://b/out`, keep what the same two commands keep on local folders."""
    fs = s3(s3_server)
    bucket = new_bucket(fs)
    fs.put(str(PAGES), f"{bucket}/in.warc.gz")
    run("extract", f"s3://{bucket}/in.warc.gz", "--output", f"s3://{bucket}/out")
    res = run("dedup", f"s3://{bucket}/out/extract", "--output", f"s3://{bucket}/out")
    local = tmp_path / "local"
    run("extract", str(PAGES), "--output", str(local))
    run("dedup", str(local / "extract"), "--output", str(local))

    remote = download(fs, f"{bucket}/out", tmp_path / "remote")
    expected = kept_ids(local)
    assert expected.get("extract") and expected.get("dedup")
    assert kept_ids(remote) == expected
    assert rejected_ids(remote, "dedup") == rejected_ids(local, "dedup")
    assert rejected_ids(remote, "dedup").get("exact_duplicate")  # the WARC's planted copies
    assert f"s3://{bucket}/out/report/funnel.json" in res.stdout
    assert not list((tmp_path / "remote").glob("s3:*")) and not (REPO / "s3:").exists()  # no collapsed URL
    assert_secret_nowhere(remote, res.stdout, res.stderr)


def completions(fs, prefix: str) -> int:
    return len(fs.glob(f"{prefix}/completions/*"))


@pytest.mark.slow
def test_killed_run_with_remote_output_resumes_to_the_same_result(tmp_path, warc_shards, s3_server):
    fs = s3(s3_server)
    bucket = new_bucket(fs)
    tasks, out = 4, f"s3://{bucket}/out"
    config = derived_config(tmp_path / "run.yaml", out, [warc_shards], ("extract", "dedup", "mixture"),
                            tasks=tasks, workers=1)
    run("run", str(config))
    reference = download(fs, f"{bucket}/out", tmp_path / "uninterrupted")
    fs.rm(f"{bucket}/out", recursive=True)  # the same output again: same run id, same provenance

    proc = subprocess.Popen([sys.executable, "-m", "curate", "run", str(config)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while not 1 <= completions(fs, f"{bucket}/out/logs/extract") < tasks:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the run ended (exit {proc.returncode}) or stalled before it could be killed")
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers: a process group this test started
        proc.wait()
    done_before = completions(fs, f"{bucket}/out/logs/extract")
    assert 1 <= done_before < tasks

    run("run", str(config))
    resumed = download(fs, f"{bucket}/out", tmp_path / "resumed")
    assert kept_ids(resumed) == kept_ids(reference) and kept_ids(reference).get("extract")
    for stage in ("extract", "dedup"):
        assert rejected_ids(resumed, stage) == rejected_ids(reference, stage)
        ids = kept_ids(resumed)[stage]
        assert len(ids) == len(set(ids)), f"{stage}: duplicate ids after the resume"
    counts = [{name: (s["documents"], s["unique_tokens"], [f["tokens"] for f in s["files"]])
               for name, s in yaml.safe_load((folder / "manifest.yaml").read_text())["sources"].items()}
              for folder in (resumed, reference)]
    assert counts[0] == counts[1]  # the files' sha256 differ: gzip headers carry the time they were written


@pytest.mark.slow
def test_connection_lost_mid_write_fails_cleanly_and_a_rerun_resumes(tmp_path, warc_shards, s3_server):
    """The storage connection goes away while extract's tasks write (a relay in front of the real server is cut
    after the first task is done): the run stops with a non-zero exit and one error line, no completion marker
    claims an unfinished task, and the same command once the connection is back resumes to what a local run keeps."""
    fs = s3(s3_server)
    bucket, tasks, stages = new_bucket(fs), 4, ("extract", "dedup")
    local = tmp_path / "local"
    run("run", str(derived_config(tmp_path / "local.yaml", local, [warc_shards], stages, tasks=tasks)))
    config = derived_config(tmp_path / "run.yaml", f"s3://{bucket}/out", [warc_shards], stages, tasks=tasks,
                            workers=1)
    proxy = CutProxy(s3_server.port)
    env = dict(os.environ) | {"AWS_ENDPOINT_URL": proxy.url}
    proc = subprocess.Popen([sys.executable, "-m", "curate", "run", str(config)], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while completions(fs, f"{bucket}/out/logs/extract") < 1:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the run ended (exit {proc.returncode}) or stalled before the connection could be cut")
        time.sleep(0.05)
    proxy.cut()
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode != 0, stdout + stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in stdout + stderr, stderr[:3000] + "\n...\n" + stderr[-3000:]
    assert "re-run the same command" in errors[0]
    assert completions(fs, f"{bucket}/out/logs/extract") < tasks
    assert not fs.exists(f"{bucket}/out/dedup")  # nothing ran on top of the failed stage

    proxy.reopen()
    run("run", str(config), env=env)
    remote = download(fs, f"{bucket}/out", tmp_path / "remote")
    assert kept_ids(remote) == kept_ids(local) and kept_ids(local).get("extract")
    for stage in stages:
        assert rejected_ids(remote, stage) == rejected_ids(local, stage), stage
        ids = kept_ids(remote)[stage]
        assert len(ids) == len(set(ids)), f"{stage}: duplicate ids after the resume"
    proxy.cut()


@pytest.mark.slurm
@pytest.mark.slow
def test_stage_with_remote_output_on_slurm(tmp_path, warc_shards, s3_server, slurm_cluster):
    """extract and dedup under the Slurm executor, writing to s3://: the jobs reach the bucket through the
    environment sbatch passes on, and keep what the local run keeps."""
    fs = s3(s3_server)
    bucket = new_bucket(fs)
    stages = ("extract", "dedup")
    local = tmp_path / "local"
    run("run", str(derived_config(tmp_path / "local.yaml", local, [warc_shards], stages, tasks=2)))
    config = derived_config(tmp_path / "slurm.yaml", f"s3://{bucket}/out", [warc_shards], stages, tasks=2,
                            kind="slurm", slurm={"logs_folder": str(tmp_path / "slurm_logs")})
    res = run("run", str(config))
    assert "Slurm job array(s)" in res.stdout
    remote = download(fs, f"{bucket}/out", tmp_path / "remote")
    assert kept_ids(remote) == kept_ids(local) and kept_ids(local).get("extract")
    assert (remote / "logs" / "extract" / "launch_script.slurm").is_file()
    status = run("status", f"s3://{bucket}/out", "--json")
    assert '"state": "done"' in status.stdout


def one_error_line(res: subprocess.CompletedProcess, *expected: str) -> str:
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.returncode == 2, res.stdout + res.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def test_unknown_bucket_is_one_line_before_launch(tmp_path, s3_server):
    res = run("extract", str(PAGES), "--output", "s3://curate-no-such-bucket/out", check=False)
    one_error_line(res, "s3://curate-no-such-bucket/out", "bucket does not exist")


def test_missing_credentials_are_one_line_before_launch(tmp_path, s3_server):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ENDPOINT_URL": s3_server.url, "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}
    res = run("extract", str(PAGES), "--output", "s3://any-bucket/out", env=env, check=False)
    one_error_line(res, "no credentials found", "AWS_ACCESS_KEY_ID")


def test_refused_credentials_are_one_line_before_launch(tmp_path):
    """A server that checks signatures (moto with authentication on) refuses a key it never issued."""
    server = MotoServer(tmp_path / "moto_auth.log", auth=True)
    try:
        env = dict(os.environ) | s3_env(server.url)
        res = run("extract", str(PAGES), "--output", "s3://any-bucket/out", env=env, check=False)
    finally:
        server.stop()
    line = one_error_line(res, "credentials were refused")
    assert SECRET not in line


def test_stopped_server_is_one_line_before_launch(tmp_path):
    server = MotoServer(tmp_path / "moto_stopped.log")
    server.stop()
    env = dict(os.environ) | s3_env(server.url)
    res = run("extract", str(PAGES), "--output", "s3://any-bucket/out", env=env, check=False)
    one_error_line(res, "cannot be reached", "endpoint_url")


def test_credentials_in_the_storage_block_are_refused(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump({"output": "s3://b/out", "input": {"paths": [str(PAGES)]}, "extract": {},
                                      "storage": {"client_kwargs": {"aws_secret_access_key": "x"}}}))
    res = run("validate", str(config), check=False)
    assert res.returncode == 2 and "storage.client_kwargs" in res.stderr and "AWS_SECRET_ACCESS_KEY" in res.stderr

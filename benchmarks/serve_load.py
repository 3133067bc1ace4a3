"""Load test of `tinygrad-lite serve`: N clients stream completions for a while on loopback.

    python -m benchmarks.serve_load [--model NAME|DIR | --bigram | --url http://127.0.0.1:8000]
                                    [--clients 8] [--duration 60] [--max-tokens 64] [--abandon-every 8]
                                    [--threads T] [--json OUT]

Without --url it starts the server itself (`python -m tinygrad_lite serve --model ...` on a free
loopback port, in its own process so the clients do not share its interpreter) and stops it at the
end; --bigram serves the byte-level bigram fitted on README.md (then the figures are the server's
own overhead: the model costs ~0.1 ms a token). Each client loops: send a streaming completion,
read it to `data: [DONE]`; every --abandon-every-th request of a client is dropped after its first
token instead, to check that disconnecting clients free their slots. Requests start until
--duration has passed; the last ones finish (bounded by --max-tokens), so the run stops by itself.

Reports: completed requests/s, streamed tokens/s, latency (request → [DONE]) and time to first
token, p50/p95; failures and lost streams (no [DONE]) must be 0, and the server must be idle after.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

PROMPTS = ["What are the benefits of exercise?", "Write a haiku about the sea.", "Explain what a tensor is.",
           "Give three tips for better sleep.", "What is the capital of France?", "Tell me a short story.",
           "How do plants make food?", "Why is the sky blue?"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model, threads, log):
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "tinygrad_lite", "serve", "--model", model, "--port", str(port),
           "--log-level", "warning", "--max-active", "8", "--max-queued", "64"]
    if threads:
        cmd += ["--threads", str(threads)]
    env = dict(os.environ)
    env.pop("TL_API_KEY", None)
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):  # up to 2 minutes for a large model to load
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("the server did not answer /health within 2 minutes")


def client_loop(url, index, deadline, args, out, headers):
    import httpx

    k = 0
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0), headers=headers) as http:
        while time.perf_counter() < deadline:
            k += 1
            abandon = args.abandon_every and k % args.abandon_every == 0
            body = {"model": args.model_name, "prompt": PROMPTS[(index + k) % len(PROMPTS)],
                    "max_tokens": args.max_tokens, "temperature": 0.7, "stream": True}
            rec = {"client": index, "t0": time.perf_counter(), "ttft": None, "tokens": 0, "done": False,
                   "abandoned": bool(abandon), "error": None}
            try:
                with http.stream("POST", url + "/v1/completions", json=body) as r:
                    if r.status_code != 200:
                        rec["error"] = f"HTTP {r.status_code}: {r.read()[:200]!r}"
                    else:
                        for line in r.iter_lines():
                            if not line.startswith("data: "):
                                continue
                            if line == "data: [DONE]":
                                rec["done"] = True
                                break
                            if json.loads(line[6:])["choices"][0]["text"]:
                                rec["tokens"] += 1
                                if rec["ttft"] is None:
                                    rec["ttft"] = time.perf_counter() - rec["t0"]
                                    if abandon:
                                        break  # leave mid-stream
            except Exception as e:  # counted as a failure
                rec["error"] = f"{type(e).__name__}: {e}"
            rec["latency"] = time.perf_counter() - rec["t0"]
            out.append(rec)


def pct(values, q):
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.serve_load", description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group()
    src.add_argument("--url", help="a running server (default: start one)")
    src.add_argument("--bigram", action="store_true", help="serve the byte bigram fitted on README.md")
    p.add_argument("--model", default="smollm2-135m-instruct", help="engine to serve (and to ask for)")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--duration", type=float, default=60.0, help="seconds during which requests start")
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--abandon-every", type=int, default=8,
                   help="drop every Nth stream after its first token (0: never)")
    p.add_argument("--threads", type=int, default=None, help="the server's kernel threads")
    p.add_argument("--api-key", default=os.environ.get("TL_API_KEY"))
    p.add_argument("--json", default=None, help="write the summary here")
    args = p.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.max_tokens < 1:
        p.error("--clients, --duration and --max-tokens must be positive")

    import httpx

    proc, tmp = None, tempfile.TemporaryDirectory()
    log = open(os.path.join(tmp.name, "server.log"), "w+")
    try:
        if args.bigram:
            from tinygrad_lite.models.bigram import ByteBigramLM

            readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
            ByteBigramLM.from_text(open(readme, encoding="utf-8").read()).save_pretrained(tmp.name + "/bigram")
            args.model = tmp.name + "/bigram"
        args.model_name = args.model
        url = args.url
        if url is None:
            proc, url = start_server(args.model, args.threads, log)
        headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
        h0 = httpx.get(url + "/health", timeout=10).json()
        records = []
        start = time.perf_counter()
        deadline = start + args.duration
        threads = [threading.Thread(target=client_loop, args=(url, i, deadline, args, records, headers), daemon=True)
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.duration + 600)
        elapsed = time.perf_counter() - start
        h1 = None
        for _ in range(100):  # the abandoned streams' slots are freed within a turn or two
            h1 = httpx.get(url + "/health", timeout=10).json()
            if h1["active"] == 0 and h1["queued"] == 0:
                break
            time.sleep(0.1)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

    full = [r for r in records if not r["abandoned"] and r["error"] is None]
    failed = [r for r in records if r["error"] is not None]
    lost = [r for r in full if not r["done"]]
    lat = [r["latency"] for r in full if r["done"]]
    ttft = [r["ttft"] for r in records if r["ttft"] is not None]
    tokens = sum(r["tokens"] for r in records)
    summary = {
        "model": args.model, "clients": args.clients, "duration_s": round(elapsed, 2), "max_tokens": args.max_tokens,
        "requests": len(records), "completed": len(lat), "abandoned": sum(r["abandoned"] for r in records),
        "failed": len(failed), "lost": len(lost), "requests_per_s": len(lat) / elapsed,
        "tokens_per_s": tokens / elapsed, "latency_p50_s": pct(lat, 50), "latency_p95_s": pct(lat, 95),
        "ttft_p50_s": pct(ttft, 50), "ttft_p95_s": pct(ttft, 95),
        "server_idle_after": bool(h1 and h1["active"] == 0 and h1["queued"] == 0),
        "server_cancelled": (h1 or {}).get("cancelled", 0) - h0.get("cancelled", 0),
    }
    print(f"{summary['model']}: {args.clients} streaming clients for {elapsed:.1f} s, max_tokens {args.max_tokens}")
    print(f"  requests: {summary['completed']} completed, {summary['abandoned']} abandoned mid-stream "
          f"(server cancelled {summary['server_cancelled']}), {summary['failed']} failed, {summary['lost']} lost")
    print(f"  throughput: {summary['requests_per_s']:.2f} requests/s, {summary['tokens_per_s']:.1f} tokens/s")
    print(f"  latency p50 {summary['latency_p50_s'] * 1e3:.0f} ms, p95 {summary['latency_p95_s'] * 1e3:.0f} ms; "
          f"time to first token p50 {summary['ttft_p50_s'] * 1e3:.0f} ms, p95 {summary['ttft_p95_s'] * 1e3:.0f} ms")
    print(f"  server idle afterwards: {summary['server_idle_after']}")
    for r in failed[:5]:
        print("  failure:", r["error"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    log.close()
    tmp.cleanup()
    return 0 if not failed and not lost and summary["server_idle_after"] else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Measures gureum's cold start (exec to the first answered request) and its
idle RSS. Usage: python3 tools/measure-start.py [path/to/gureum] [runs]"""
import os, socket, subprocess, sys, tempfile, time, statistics

binary = sys.argv[1] if len(sys.argv) > 1 else "./gureum"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def first_answer(port, deadline):
    req = b"GET /_gureum/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(req)
                if c.recv(12).startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            time.sleep(0.0002)
    return False

times, rss = [], []
fresh = os.environ.get("FRESH") == "1"  # FRESH=1: a new data dir each run; else one reused dir (a restart)
keep = tempfile.TemporaryDirectory()
for i in range(runs):
    port = free_port()
    with (tempfile.TemporaryDirectory() if fresh else open(os.devnull)) as _d:
        d = _d if fresh else keep.name
        t0 = time.monotonic()
        p = subprocess.Popen([binary, "serve", "--data-dir", d, "--listen", f"127.0.0.1:{port}", "--log-level", "warn"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = first_answer(port, t0 + 5)
        times.append((time.monotonic() - t0) * 1000)
        time.sleep(1.0)  # idle
        with open(f"/proc/{p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]) / 1024)
        p.terminate(); p.wait()
        if not ok:
            sys.exit("no answer")
print("fresh data dir" if fresh else "existing data dir (restart)")
print(f"cold start to first answered request: median {statistics.median(times):.1f} ms, min {min(times):.1f}, max {max(times):.1f} ({runs} runs)")
print(f"idle RSS after 1 s: median {statistics.median(rss):.1f} MiB, max {max(rss):.1f} MiB")

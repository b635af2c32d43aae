#!/usr/bin/env python3
"""Whole-process benchmark and soak of kbdash (issue 7 deliverable 2, issue 8 deliverable 5).

Runs `kbdash demo-server` and the dashboard against it in a 200x60 tmux pane, samples the
dashboard's memory and CPU from /proc, reads its screen with `tmux capture-pane`, and prints
the figures. Builds nothing: build first with `cargo build --release`.

    python3 scripts/fleet_run.py                      # 5,000 clusters: churn, idle, latency
    python3 scripts/fleet_run.py --profile perf.data  # the same under `perf record`
    python3 scripts/fleet_run.py --soak 30            # 1,000 clusters, heavy churn, 30 min
    python3 scripts/fleet_run.py --contexts 10 --clusters 500 --churn 20
                                  # ten demo servers of 500 clusters, 20 changes/s in all,
                                  # shown together (--all-contexts of a merged kubeconfig)

Python 3.11 standard library only; needs tmux (and perf for --profile). Every process it
starts is stopped on exit, Ctrl-C and errors included.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
WIDTH, HEIGHT = 200, 60
ROLE_LABEL = "kubeblocks.io/role"
# The status line once every stream has listed and is watching (src/view/header.rs).
ALL_LIVE = re.compile(r"✓ all (\d+) streams live")
HEADER_LIVE = re.compile(r"streams \S+ (\d+)/(\d+) live")
TAB_COUNTS = re.compile(r"\d (Clusters|Pods|OpsRequests|Backups) (\d+)")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- /proc sampling -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Sample:
    t: float
    rss_kb: int
    cpu_s: float


@dataclass
class Sampler:
    """Samples RSS and CPU of one process every `interval` seconds on a thread."""

    pid: int
    interval: float
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(
                    Sample(time.time(), status_kb(self.pid, "VmRSS"), cpu_seconds(self.pid))
                )
            except (OSError, KeyError, ValueError):
                return
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def between(self, t0: float, t1: float) -> list[Sample]:
        return [s for s in self.samples if t0 <= s.t <= t1]


# --- processes ----------------------------------------------------------------------------


class Cleanup:
    """Everything started, stopped in reverse order however the script ends."""

    def __init__(self) -> None:
        self.actions: list[tuple[str, Callable[[], None]]] = []

    def add(self, name: str, action: Callable[[], None]) -> None:
        self.actions.append((name, action))

    def run(self) -> None:
        while self.actions:
            name, action = self.actions.pop()
            try:
                action()
            except Exception as e:  # noqa: BLE001 - cleanup must go on
                log(f"cleanup of {name} failed: {e}")


def stop_process(proc: subprocess.Popen, sig=signal.SIGINT, grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class DemoServer:
    proc: subprocess.Popen
    url: str
    kubeconfig: Path
    request_log: Path

    @classmethod
    def start(
        cls, binary: Path, work: Path, clusters: int, churn: float, cleanup: Cleanup, tag: str
    ) -> "DemoServer":
        kubeconfig = work / f"{tag}.kubeconfig"
        request_log = work / f"{tag}.requests.log"
        cmd = [
            str(binary), "demo-server",
            "--clusters", str(clusters),
            "--churn", str(churn),
            "--write-kubeconfig", str(kubeconfig),
            "--request-log", str(request_log),
        ]
        log(f"starting {' '.join(cmd[1:])}")
        t0 = time.time()
        stderr = open(work / f"{tag}.server.stderr", "wb")
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        cleanup.add("demo server", lambda: stop_process(proc))
        ready, _, _ = select.select([proc.stdout], [], [], 300)
        line = proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http"):
            raise RuntimeError(f"demo server did not print its URL (got {line!r})")
        log(f"demo server at {line} after {time.time() - t0:.1f} s (pid {proc.pid})")
        return cls(proc, line, kubeconfig, request_log)

    def last_list_time(self) -> float | None:
        """When the last non-watch GET was answered: the lists have all arrived."""
        last = None
        for line in self.request_log.read_text().splitlines():
            parts = line.split()
            if len(parts) < 4 or parts[1] != "GET" or "watch=" in parts[2]:
                continue
            if not parts[2].startswith(("/api/v1/pods", "/apis/")) or "?" not in parts[2]:
                continue
            last = datetime.fromisoformat(parts[0].replace("Z", "+00:00")).timestamp()
        return last


class Api:
    """A keep-alive HTTP client for the demo server."""

    def __init__(self, url: str) -> None:
        u = urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body=None, ctype="application/json"):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": ctype} if data is not None else {}
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def pods(self, selector: str, limit: int | None = None) -> list[dict]:
        q = f"/api/v1/pods?labelSelector={selector}"
        if limit:
            q += f"&limit={limit}"
        return self.request("GET", q)["items"]


class Tmux:
    """A private tmux server (own socket) holding one 200x60 pane."""

    def __init__(self, cleanup: Cleanup) -> None:
        self.socket = f"kbdash-bench-{os.getpid()}"
        self.base = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        self.cleanup = cleanup

    def run(self, *args: str) -> str:
        return subprocess.run(
            self.base + list(args), check=True, capture_output=True, text=True
        ).stdout

    def start(self, cmd: list[str], env: list[str]) -> int:
        shell = "exec " + " ".join(_quote(c) for c in cmd)
        envs = [a for e in ["TERM=xterm-256color"] + env for a in ("-e", e)]
        self.run(
            "new-session", "-d", "-s", "bench", "-x", str(WIDTH), "-y", str(HEIGHT),
            *envs, shell,
        )
        self.cleanup.add("tmux", self.kill)
        # Keeps the pane (and a panic report) on screen if kbdash exits.
        self.run("set-option", "-t", "bench", "remain-on-exit", "on")
        return int(self.run("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())

    def capture(self) -> str:
        return self.run("capture-pane", "-p", "-t", "bench")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "bench", *(["-l"] if literal else []), *keys)

    def kill(self) -> None:
        subprocess.run(self.base + ["kill-server"], capture_output=True)


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


@dataclass
class Dashboard:
    tmux: Tmux
    pid: int
    launched: float
    log_file: Path

    @classmethod
    def start(
        cls, binary: Path, server: DemoServer, work: Path, readonly: bool, cleanup: Cleanup,
        tag: str, prefix: list[str] | None = None, env: list[str] | None = None,
        kubeconfig: Path | None = None,
    ) -> "Dashboard":
        """Starts kbdash in a pane; `prefix` (perf record ...) runs it as a child instead.
        With `kubeconfig` (several contexts), every context of it is shown."""
        log_file = work / f"{tag}.kbdash.log"
        cmd = [str(binary), "--kubeconfig", str(kubeconfig or server.kubeconfig), "-A",
               "--log-file", str(log_file)]
        if kubeconfig:
            cmd.append("--all-contexts")
        if readonly:
            cmd.append("--readonly")
        cmd += EXTRA_ARGS
        tmux = Tmux(cleanup)
        launched = time.time()
        pane = tmux.start((prefix or []) + cmd, env or [])
        pid = find_kbdash(pane, timeout=10)
        log(f"kbdash started in tmux (pid {pid}): {' '.join((env or []) + cmd[1:])}")

        def stop() -> None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            if prefix:
                wait_gone(pane, 120)

        cleanup.add("kbdash", stop)
        return cls(tmux, pid, launched, log_file)

    def exited(self) -> bool:
        """Whether kbdash has ended (its pane stays, see `remain-on-exit`)."""
        try:
            return Path(f"/proc/{self.pid}/stat").read_text().split(") ")[1][0] in "ZX"
        except OSError:
            return True

    def wait_live(self, timeout: float) -> dict:
        """Polls the screen until every stream is live; returns what it saw and when."""
        first_frame = first_rows = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            screen = self.tmux.capture()
            now = time.time()
            if first_frame is None and " kbdash " in screen:
                first_frame = now
            counts = tab_counts(screen)
            if first_rows is None and any(counts.values()):
                first_rows = now
            m = ALL_LIVE.search(screen)
            h = HEADER_LIVE.search(screen)
            # The wall has no header count: its freshness line alone says every stream is live.
            if m and ((h and h.group(1) == h.group(2)) or " kbdash wall " in screen):
                return {
                    "first_frame": first_frame,
                    "first_rows": first_rows,
                    "live": now,
                    "streams": int(m.group(1)),
                    "counts": counts,
                    "screen": screen,
                }
            if self.exited():
                raise RuntimeError(f"kbdash exited; see {self.log_file}:\n{self.tmux.capture()}")
            time.sleep(0.01)
        raise RuntimeError(f"kbdash not live after {timeout} s:\n{self.tmux.capture()}")


def find_kbdash(pane: int, timeout: float) -> int:
    """The pane's process once it is kbdash, or its kbdash child (under perf)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for pid in [pane] + children(pane):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "kbdash":
                    return pid
            except OSError:
                pass
        time.sleep(0.005)
    raise RuntimeError(f"no kbdash process under pane process {pane}")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_gone(pid: int, timeout: float) -> None:
    """Waits until a process (not ours to reap) has ended."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] in "ZX":
                return
        except OSError:
            return
        time.sleep(0.1)


def tab_counts(screen: str) -> dict[str, int]:
    lines = screen.splitlines()
    return {k: int(v) for k, v in TAB_COUNTS.findall(lines[1])} if len(lines) > 1 else {}


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --- the whole-process benchmark --------------------------------------------------------------


def context_name(i: int, n: int) -> str:
    """The i-th (0-based) of n contexts: ctx-01..ctx-10, so that no name contains another."""
    return f"ctx-{i + 1:0{len(str(n))}d}"


def merged_kubeconfig(work: Path, servers: list[DemoServer]) -> Path:
    """One kubeconfig with a context per demo server (no credentials, like theirs)."""
    n = len(servers)
    names = [context_name(i, n) for i in range(n)]
    lines = ["apiVersion: v1", "kind: Config", "clusters:"]
    for name, s in zip(names, servers):
        lines += [f"- name: {name}", "  cluster:", f"    server: {s.url}"]
    lines.append("contexts:")
    for name in names:
        lines += [f"- name: {name}", "  context:", f"    cluster: {name}", f"    user: {name}"]
    lines.append(f"current-context: {names[0]}")
    lines.append("users:")
    for name in names:
        lines += [f"- name: {name}", "  user: {}"]
    path = work / "contexts.kubeconfig"
    path.write_text("\n".join(lines) + "\n")
    return path


# Arguments added to every kbdash command line (`--wall`, `--config FILE`), set by main().
EXTRA_ARGS: list[str] = []


def after_live(args, dash: "Dashboard") -> None:
    """Sends `--keys` once the screen is live (e.g. `d`: the first cluster's detail, with its
    health panel), and gives the screen a second to follow."""
    if args.keys:
        dash.tmux.keys(*args.keys.split())
        time.sleep(1)
        log(f"sent keys {args.keys!r}")


def churn_phase(args, binary: Path, work: Path, cleanup: Cleanup, rows: list) -> None:
    # With several contexts the churn is shared out: `--churn` is the rate in all.
    servers = [
        DemoServer.start(binary, work, args.clusters, args.churn / args.contexts, cleanup,
                         f"churn{i}" if args.contexts > 1 else "churn")
        for i in range(args.contexts)
    ]
    server = servers[0]
    kubeconfig = merged_kubeconfig(work, servers) if args.contexts > 1 else None
    dash = Dashboard.start(
        binary, server, work, not args.no_readonly, cleanup, "churn", perf_prefix(args), args.env,
        kubeconfig,
    )
    sampler = Sampler(dash.pid, 0.5).start()
    cleanup.add("sampler", sampler.stop)
    live = dash.wait_live(timeout=300)
    after_live(args, dash)
    launched = dash.launched
    done = [t for t in (s.last_list_time() for s in servers) if t]
    lists_done = max(done) if done else None
    counts = live["counts"]
    log(f"all {live['streams']} streams live after {live['live'] - launched:.2f} s: {counts}")
    end = launched + args.duration
    settle = live["live"] + 5
    if end - settle < 20:
        end = settle + 30
        log(f"sync was slow; churn window extended to end {end - launched:.0f} s after launch")
    time.sleep(max(0.0, end - time.time()))
    cpu_end = cpu_seconds(dash.pid)
    hwm = status_kb(dash.pid, "VmHWM")
    load = loadavg()
    window = sampler.between(settle, end)
    steady = sampler.between(end - 30, end)
    rss_all = [s.rss_kb for s in sampler.samples]
    churn_cpu = (window[-1].cpu_s - window[0].cpu_s) / (window[-1].t - window[0].t)
    server_cpu = sum(cpu_seconds(s.proc.pid) for s in servers)

    latency = None if args.skip_latency else latency_probe(args, servers, dash)
    sampler.stop()

    fleet = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    if args.contexts > 1:
        rows.append(("contexts (demo servers)", f"{args.contexts} of {args.clusters} clusters, "
                     f"churn {args.churn / args.contexts:g}/s each", "", ""))
    rows.append(("fleet (rows on screen when live)", fleet, "", ""))
    rows.append(("load average at the end of the churn phase", load, "", ""))
    rows.append(("launch to first frame", f"{live['first_frame'] - launched:.2f} s", "", ""))
    if live["first_rows"]:
        rows.append(("launch to first rows", f"{live['first_rows'] - launched:.2f} s", "", ""))
    rows.append(
        ("launch to first full screen (all streams live)", f"{live['live'] - launched:.2f} s", "", "")
    )
    if lists_done:
        gap = live["live"] - lists_done
        rows.append((
            "last list page answered (server log) to full screen",
            f"{gap:.2f} s (lists done {lists_done - launched:.2f} s after launch)",
            "< 1 s", verdict(gap < 1.0),
        ))
    rows.append(("RSS peak (sampled / VmHWM)", f"{mb(max(rss_all))} / {mb(hwm)}", "< 100 MB",
                 verdict(hwm < 100 * 1024)))
    rows.append(("RSS steady (median of the last 30 s)",
                 mb(statistics.median(s.rss_kb for s in steady)), "< 100 MB",
                 verdict(statistics.median(s.rss_kb for s in steady) < 100 * 1024)))
    rows.append((f"CPU seconds, launch to +{end - launched:.0f} s", f"{cpu_end:.2f} s", "", ""))
    rows.append((
        f"CPU under churn {args.churn:g}/s ({window[-1].t - window[0].t:.0f} s after sync)",
        f"{churn_cpu * 100:.2f}% of a core = {churn_cpu * 60:.2f} CPU-s/min", "< 3%",
        verdict(churn_cpu < 0.03),
    ))
    rows.append(("demo server CPU seconds since its start (seed included; context)", f"{server_cpu:.1f} s", "", ""))
    if latency:
        rows.extend(latency)
    cleanup.run()


def latency_probe(args, servers: list, dash: Dashboard) -> list:
    """Role changes PATCHed to one secondary pod, each context's in turn (the demo servers'
    fleets have the same names), timed until the dashboard shows the role on that context's
    line."""
    apis = [Api(s.url) for s in servers]
    pods = apis[0].pods(f"{ROLE_LABEL}%3Dsecondary", limit=50)
    if not pods:
        raise RuntimeError("no secondary pod to probe")
    pod = random.Random(args.seed).choice(pods)
    ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    path = f"/api/v1/namespaces/{ns}/pods/{name}"
    # Each context whose server has the pod, as a secondary, takes its turn.
    targets = []
    for i, api in enumerate(apis):
        labels = (api.request("GET", path) or {}).get("metadata", {}).get("labels", {})
        if labels.get(ROLE_LABEL) == "secondary":
            targets.append((api, context_name(i, args.contexts) if args.contexts > 1 else ""))
    log(f"latency probe on {ns}/{name} in {len(targets)} context(s): "
        f"{args.latency_samples} role changes")
    tmux = dash.tmux
    tmux.keys("2")
    tmux.keys("/")
    tmux.keys(name, literal=True)
    tmux.keys("Enter")
    wait_screen(tmux, lambda s: f"Pods {args.contexts} " in s and name in s, 10)
    capture_costs, lat, patch_rtts = [], [], []
    rng = random.Random(args.seed)
    try:
        for i in range(1, args.latency_samples + 1):
            api, context = targets[(i - 1) % len(targets)]
            role = f"bench-{i}" if i % 2 else "secondary"
            shown = f"? {role}" if role.startswith("bench") else "· secondary"
            time.sleep(rng.uniform(0.2, 0.5))
            t0 = time.time()
            api.request(
                "PATCH", path, {"metadata": {"labels": {ROLE_LABEL: role}}},
                ctype="application/merge-patch+json",
            )
            patch_rtts.append(time.time() - t0)
            while True:
                c0 = time.time()
                screen = tmux.capture()
                c1 = time.time()
                capture_costs.append(c1 - c0)
                line = next((ln for ln in screen.splitlines()
                             if ln.startswith("│") and name in ln and context in ln), "")
                if shown in line:
                    lat.append(c1 - t0)
                    break
                if c1 - t0 > 10:
                    raise RuntimeError(f"role {role} not on screen after 10 s:\n{screen}")
    finally:
        for api, _ in targets:
            api.request(
                "PATCH", path, {"metadata": {"labels": {ROLE_LABEL: "secondary"}}},
                ctype="application/merge-patch+json",
            )
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]  # noqa: E731
    return [(
        f"PATCH sent to role on screen, n={len(lat)}"
        + (f", {len(targets)} contexts in turn" if len(targets) > 1 else "")
        + ": p50 / p95 / max",
        f"{p(0.5) * 1000:.0f} / {p(0.95) * 1000:.0f} / {lat[-1] * 1000:.0f} ms",
        "< 100 ms", verdict(p(0.95) < 0.1),
    ), (
        "  of which: PATCH round trip p50; one capture-pane poll p50 (resolution)",
        f"{statistics.median(patch_rtts) * 1000:.1f} ms; "
        f"{statistics.median(capture_costs) * 1000:.1f} ms", "", "",
    )]


def wait_screen(tmux: Tmux, pred, timeout: float) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        screen = tmux.capture()
        if pred(screen):
            return screen
        time.sleep(0.02)
    raise RuntimeError(f"screen condition not met after {timeout} s:\n{tmux.capture()}")


def idle_phase(args, binary: Path, work: Path, cleanup: Cleanup, rows: list) -> None:
    server = DemoServer.start(binary, work, args.clusters, 0, cleanup, "idle")
    dash = Dashboard.start(
        binary, server, work, not args.no_readonly, cleanup, "idle", env=args.env
    )
    live = dash.wait_live(timeout=300)
    after_live(args, dash)
    log(f"idle run live after {live['live'] - dash.launched:.2f} s; settling 10 s")
    time.sleep(10)
    c0, t0 = cpu_seconds(dash.pid), time.time()
    s0 = cpu_seconds(server.proc.pid)
    time.sleep(args.idle_seconds)
    c1, t1 = cpu_seconds(dash.pid), time.time()
    s1 = cpu_seconds(server.proc.pid)
    idle = (c1 - c0) / (t1 - t0)
    rows.append(("load average at the end of the idle phase", loadavg(), "", ""))
    rows.append((
        f"CPU idle, churn 0 ({t1 - t0:.0f} s, from 10 s after sync)",
        f"{idle * 100:.2f}% of a core ({c1 - c0:.2f} s)", "< 0.5%", verdict(idle < 0.005),
    ))
    rows.append(("  demo server CPU over the same window (operator without churn)",
                 f"{(s1 - s0) / (t1 - t0) * 100:.2f}% of a core", "", ""))
    rows.append(("RSS at the end of the idle phase", mb(status_kb(dash.pid, "VmRSS")), "", ""))
    cleanup.run()


def perf_prefix(args) -> list[str] | None:
    """`perf record` around kbdash, so that every thread it starts is sampled."""
    if not args.profile:
        return None
    if not shutil.which("perf"):
        raise RuntimeError("perf not found")
    cmd = ["perf", "record", "-F", str(args.perf_freq), "--call-graph", "dwarf,32768",
           "-o", str(Path(args.profile).resolve()), "--"]
    log(f"profiling: {' '.join(cmd)} kbdash ...")
    return cmd


def print_table(title: str, rows: list) -> None:
    print(f"\n{title}\n")
    print("| measurement | figure | target | |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    sys.stdout.flush()


# --- the soak ------------------------------------------------------------------------------


def switchover(api: Api, clusters: list[dict], rng: random.Random, tag: str) -> str | None:
    """Creates a Switchover OpsRequest moving the primary of a random running cluster."""
    for _ in range(10):
        c = rng.choice(clusters)
        ns, name = c["metadata"]["namespace"], c["metadata"]["name"]
        pods = api.pods(f"app.kubernetes.io/instance%3D{name}")
        pods = [p for p in pods if p["metadata"]["namespace"] == ns]
        roles = {p["metadata"]["name"]: p["metadata"].get("labels", {}).get(ROLE_LABEL) for p in pods}
        primary = [n for n, r in roles.items() if r == "primary"]
        candidates = [n for n, r in roles.items() if r == "secondary"]
        if len(primary) != 1 or not candidates:
            continue
        body = {
            "apiVersion": "operations.kubeblocks.io/v1alpha1",
            "kind": "OpsRequest",
            "metadata": {"generateName": f"{name}-soak-{tag}-", "namespace": ns},
            "spec": {
                "clusterName": name,
                "type": "Switchover",
                "switchover": [{
                    "componentName": "postgresql",
                    "instanceName": primary[0],
                    "candidateName": rng.choice(candidates),
                }],
            },
        }
        api.request("POST", f"/apis/operations.kubeblocks.io/v1alpha1/namespaces/{ns}/opsrequests", body)
        return f"{ns}/{name}"
    return None


def soak(args, binary: Path, work: Path, cleanup: Cleanup) -> None:
    server = DemoServer.start(binary, work, args.soak_clusters, args.soak_churn, cleanup, "soak")
    dash = Dashboard.start(
        binary, server, work, not args.no_readonly, cleanup, "soak", env=args.env
    )
    live = dash.wait_live(timeout=300)
    log(f"soak: live after {live['live'] - dash.launched:.2f} s: {live['counts']}")
    api = Api(server.url)
    clusters = api.request("GET", "/apis/apps.kubeblocks.io/v1/clusters")["items"]
    clusters = [c for c in clusters if c.get("status", {}).get("phase") == "Running"]
    rng = random.Random(args.seed)
    csv_path = Path(args.soak_csv)
    start = time.time()
    end = start + args.soak * 60
    created = failed = 0
    next_switch = start
    next_sample = start
    rows_out = []
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["utc", "elapsed_s", "rss_kb", "hwm_kb", "cpu_s", "server_rss_kb",
                    "clusters", "pods", "opsrequests", "backups", "switchovers_created",
                    "streams_live", "loadavg1"])
        while True:
            now = time.time()
            if now >= next_sample:
                screen = dash.tmux.capture()
                counts = tab_counts(screen)
                h = HEADER_LIVE.search(screen)
                row = [
                    datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"{now - start:.0f}",
                    status_kb(dash.pid, "VmRSS"), status_kb(dash.pid, "VmHWM"),
                    f"{cpu_seconds(dash.pid):.2f}", status_kb(server.proc.pid, "VmRSS"),
                    counts.get("Clusters"), counts.get("Pods"), counts.get("OpsRequests"),
                    counts.get("Backups"), created,
                    f"{h.group(1)}/{h.group(2)}" if h else "?",
                    loadavg().split()[0],
                ]
                w.writerow(row)
                f.flush()
                rows_out.append(row)
                next_sample += args.soak_interval
                if len(rows_out) % 30 == 1:
                    log(f"soak {(now - start) / 60:.1f} min: RSS {mb(row[2])}, "
                        f"{created} switchovers, counts {counts}")
            if now >= end:
                break
            if now >= next_switch:
                try:
                    if switchover(api, clusters, rng, str(created)):
                        created += 1
                except RuntimeError as e:
                    failed += 1
                    log(f"switchover not created: {e}")
                next_switch += args.switchover_every
            if dash.exited():
                raise RuntimeError(
                    f"kbdash exited during the soak; see {dash.log_file}; last screen:\n"
                    f"{dash.tmux.capture()}"
                )
            time.sleep(max(0.0, min(next_sample, next_switch, end) - time.time()))
    ops = api.request("GET", "/apis/operations.kubeblocks.io/v1alpha1/opsrequests")["items"]
    phases: dict[str, int] = {}
    for op in ops:
        if "-soak-" in op["metadata"]["name"]:
            phase = op.get("status", {}).get("phase") or "none"
            phases[phase] = phases.get(phase, 0) + 1
    first, last = rows_out[0], rows_out[-1]
    xs = [float(r[1]) for r in rows_out]
    ys = [r[2] / 1024 for r in rows_out]
    slope = _slope(xs, ys) * 3600
    half = len(rows_out) // 2
    slope2 = _slope(xs[half:], ys[half:]) * 3600
    cpu = (float(last[4]) - float(first[4])) / (float(last[1]) - float(first[1]))
    rows = [
        ("duration, samples", f"{args.soak} min, {len(rows_out)} every {args.soak_interval:g} s", "", ""),
        ("fleet at start: clusters / pods / OpsRequests / backups", "/".join(str(x) for x in first[6:10]), "", ""),
        ("fleet at end", "/".join(str(x) for x in last[6:10]), "", ""),
        ("Switchover OpsRequests created by the soak", f"{created} ({failed} failed)", "", ""),
        ("phases of those OpsRequests at the end", ", ".join(f"{v} {k}" for k, v in sorted(phases.items())), "", ""),
        ("RSS at start (after sync) / end", f"{mb(first[2])} / {mb(last[2])}", "", ""),
        ("RSS min / max over the soak", f"{mb(min(r[2] for r in rows_out))} / {mb(max(r[2] for r in rows_out))}", "", ""),
        ("VmHWM at end", mb(last[3]), "", ""),
        ("RSS slope, least squares: whole run / second half", f"{slope:+.1f} / {slope2:+.1f} MB per hour", "", ""),
        ("kbdash CPU over the soak", f"{cpu * 100:.2f}% of a core", "", ""),
        ("demo server RSS start / end", f"{mb(first[5])} / {mb(last[5])}", "", ""),
        ("load average 1 min: start / end", f"{first[12]} / {last[12]}", "", ""),
        ("streams at end", last[11], "", ""),
        ("CSV", str(csv_path), "", ""),
    ]
    cleanup.run()
    print_table(f"kbdash soak, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", rows)


def _slope(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(REPO / "target/release/kbdash"))
    ap.add_argument("--clusters", type=int, default=5000, help="clusters per demo server")
    ap.add_argument("--contexts", type=int, default=1,
                    help="demo servers, each a context, shown together (churn shared out)")
    ap.add_argument("--churn", type=float, default=20)
    ap.add_argument("--duration", type=float, default=60, help="seconds of the churn run from launch")
    ap.add_argument("--idle-seconds", type=float, default=30)
    ap.add_argument("--latency-samples", type=int, default=20)
    ap.add_argument("--skip-idle", action="store_true")
    ap.add_argument("--skip-churn", action="store_true", help="only the idle run (churn 0)")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--no-readonly", action="store_true", help="run the dashboard without --readonly")
    ap.add_argument("--profile", metavar="PERF_DATA", help="perf record the dashboard during the churn run")
    ap.add_argument("--perf-freq", type=int, default=499)
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment for kbdash (e.g. MALLOC_ARENA_MAX=2); repeatable")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--wall", action="store_true", help="run the dashboard as a wall (--wall)")
    ap.add_argument("--config", metavar="FILE", help="the dashboard's config file (--config)")
    ap.add_argument("--keys", metavar="KEYS",
                    help="tmux key names sent once the screen is live, e.g. 'd' (a cluster's detail)")
    ap.add_argument("--soak", type=float, metavar="MINUTES", help="run the soak instead")
    ap.add_argument("--soak-clusters", type=int, default=1000)
    ap.add_argument("--soak-churn", type=float, default=200)
    ap.add_argument("--soak-interval", type=float, default=10, help="seconds between RSS samples")
    ap.add_argument("--switchover-every", type=float, default=5, help="seconds between Switchover OpsRequests")
    ap.add_argument("--soak-csv", default="soak.csv")
    ap.add_argument("--workdir", help="where logs, kubeconfigs and request logs go (default: a temp dir)")
    args = ap.parse_args()
    if args.contexts < 1:
        print("--contexts must be at least 1", file=sys.stderr)
        return 2

    binary = Path(args.binary).resolve()
    if not binary.exists():
        print(f"{binary} not found: run `cargo build --release` first", file=sys.stderr)
        return 2
    if not shutil.which("tmux"):
        print("tmux not found", file=sys.stderr)
        return 2
    work = Path(args.workdir or tempfile.mkdtemp(prefix="kbdash-fleet-"))
    work.mkdir(parents=True, exist_ok=True)
    built = datetime.fromtimestamp(binary.stat().st_mtime, timezone.utc)
    log(f"binary {binary} (built {built:%Y-%m-%d %H:%M} UTC); work dir {work}; load {loadavg()}")
    head = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True).stdout.strip()

    # SIGTERM and SIGHUP end the run like Ctrl-C: through the cleanup below.
    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    cleanup = Cleanup()
    try:
        if args.soak:
            soak(args, binary, work, cleanup)
            return 0
        rows: list = []
        if args.wall:
            EXTRA_ARGS.append("--wall")
        if args.config:
            EXTRA_ARGS.extend(["--config", args.config])
        if not args.skip_churn:
            churn_phase(args, binary, work, cleanup, rows)
        if not args.skip_idle:
            idle_phase(args, binary, work, cleanup, rows)
        fleet = (f"{args.contexts} contexts of {args.clusters} clusters" if args.contexts > 1
                 else f"{args.clusters} clusters")
        title = (f"kbdash whole process, {fleet}, "
                 f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {head}")
        if args.env:
            title += f", kbdash environment {' '.join(args.env)}"
        if EXTRA_ARGS or args.keys:
            title += f", kbdash {' '.join(EXTRA_ARGS)} keys {args.keys!r}"
        if args.profile:
            title += " (under perf: CPU figures perturbed)"
        print_table(title, rows)
        return 0
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        cleanup.run()


if __name__ == "__main__":
    sys.exit(main())

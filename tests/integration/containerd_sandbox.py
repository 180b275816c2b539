"""A throw-away containerd daemon for tests: own root, state, socket and opt path under a temp dir.

Nothing system-wide is touched: the config given to the daemon must carry the
opt plugin's path (``opt_table`` gives the lines for each config version).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")


def opt_table(version: int, opt_dir: str) -> str:
    """TOML lines that move the opt plugin's directory (the daemon would create /opt/containerd otherwise)."""
    plugin = "opt" if version == 1 else '"io.containerd.internal.v1.opt"'
    return f'[plugins.{plugin}]\n  path = "{opt_dir}"\n'


def config_dump(path: str) -> subprocess.CompletedProcess:
    return subprocess.run([CONTAINERD, "--config", path, "config", "dump"], capture_output=True, text=True,
                          check=False)


class Sandbox:
    """Start, query and stop one containerd daemon; ``base`` is a short temp dir (socket paths are limited)."""

    def __init__(self) -> None:
        self.base = tempfile.mkdtemp(prefix="ctd-")
        self.address = os.path.join(self.base, "c.sock")
        self.opt = os.path.join(self.base, "opt")
        self.proc = None
        self.log = os.path.join(self.base, "containerd.log")

    def argv(self, config: str):
        return [CONTAINERD, "--config", config, "--root", os.path.join(self.base, "root"),
                "--state", os.path.join(self.base, "state"), "--address", self.address]

    def start(self, config: str, timeout: float = 10.0) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv(config), stdout=log, stderr=log,  # pylint: disable=consider-using-with
                                         stdin=subprocess.DEVNULL)
        self.wait_socket(timeout)

    def wait_socket(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.address) and self.plugins() is not None:
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"containerd exited: {self.read_log()}")
            time.sleep(0.02)
        raise RuntimeError(f"containerd did not open {self.address}: {self.read_log()}")

    def read_log(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-3000:]

    def plugins(self):
        res = subprocess.run([CTR, "--address", self.address, "plugins", "ls"], capture_output=True, text=True,
                             check=False)
        return res.stdout if res.returncode == 0 else None

    def plugin_status(self, plugin_id: str = "cri") -> str:
        for line in (self.plugins() or "").splitlines():
            cols = line.split()
            if len(cols) >= 4 and cols[1] == plugin_id:
                return cols[3]
        return "missing"

    def cri_config(self) -> dict:
        """The CRI plugin's config as it parsed it (CRI Status, verbose)."""
        import grpc  # pylint: disable=import-outside-toplevel
        from cri_api.v1 import api_pb2, api_pb2_grpc  # pylint: disable=import-outside-toplevel
        with grpc.insecure_channel(f"unix://{self.address}") as channel:
            stub = api_pb2_grpc.RuntimeServiceStub(channel)
            status = stub.Status(api_pb2.StatusRequest(verbose=True), timeout=10)
        return json.loads(status.info["config"])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop_pidfile(self, pidfile: str) -> None:
        """Stop a daemon this test started through a script that wrote its pid."""
        if os.path.exists(pidfile):
            with open(pidfile, encoding="utf-8") as handle:
                pid = int(handle.read().strip() or 0)
            if pid > 0:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    try:
                        os.kill(pid, 0)
                    except ProcessLookupError:
                        break
                    time.sleep(0.02)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

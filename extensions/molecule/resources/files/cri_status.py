"""Print what a node's CRI plugin reports, as JSON, for the verify playbooks.

Usage: cri_status.py SOCKET

SOCKET is the node's containerd socket as seen from the controller (each
node's /run/containerd is bind-mounted to a directory on the controller).
The output holds the runtime conditions, the runtime version, the default
runtime name and the runtime handlers exactly as the CRI plugin parsed them
(Status with verbose=True).
"""
import json
import sys

import cri_api
import grpc


def main(socket):
    channel = grpc.insecure_channel("unix://" + socket)
    stub = cri_api.RuntimeServiceStub(channel)
    version = stub.Version(cri_api.VersionRequest(), timeout=10)
    status = stub.Status(cri_api.StatusRequest(verbose=True), timeout=10)
    config = json.loads(status.info["config"])
    print(json.dumps({
        "runtime_name": version.runtime_name,
        "runtime_version": version.runtime_version,
        "conditions": {c.type: c.status for c in status.status.conditions},
        "default_runtime_name": config["containerd"]["defaultRuntimeName"],
        "runtimes": config["containerd"]["runtimes"],
    }, indent=2, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])

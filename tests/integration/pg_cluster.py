"""A throwaway PostgreSQL cluster for the tests and benchmarks, from Debian's `postgresql`
package: initdb into a temporary folder, its own port and socket folder, stopped and
removed afterwards. PostgreSQL refuses to run as root, so as root the cluster belongs to
the `postgres` user the package creates.

    python3 pg_cluster.py start STATE_DIR   # writes STATE_DIR/cluster.json: {"url", "dir", ...}
    python3 pg_cluster.py stop STATE_DIR

`start` first stops a cluster a previous, interrupted run left behind in STATE_DIR."""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

STATE_FILE = "cluster.json"


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL is not installed (Debian package postgresql)")
    return os.path.dirname(found[-1])


def _run_as_owner(cmd, **kw):
    """Runs a PostgreSQL program as the cluster's owner: `postgres` when we are root."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(state_dir):
    path = os.path.join(state_dir, STATE_FILE)
    if not os.path.exists(path):
        return
    with open(path) as f:
        cluster = json.load(f)
    if os.path.exists(os.path.join(cluster["dir"], "data", "postmaster.pid")):
        try:
            _run_as_owner([os.path.join(_bindir(), "pg_ctl"), "-D", os.path.join(cluster["dir"], "data"),
                           "-m", "immediate", "-w", "stop"])
        except subprocess.CalledProcessError as e:
            print("pg_ctl stop failed (already stopped?):", e.stdout, file=sys.stderr)
    shutil.rmtree(cluster["dir"], ignore_errors=True)
    os.remove(path)


def start(state_dir):
    """Starts a new cluster; returns its description (also written to STATE_DIR/cluster.json)."""
    os.makedirs(state_dir, exist_ok=True)
    stop(state_dir)
    bindir = _bindir()
    base = tempfile.mkdtemp(prefix="gamepicker-pg-")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data = os.path.join(base, "data")
    _run_as_owner([os.path.join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                   "--locale=C", "--no-sync"])
    port = _free_port()
    # The tests never crash PostgreSQL itself, only gamepicker: durability to the disk is not
    # what they check, so no fsync. Enough connections for a few instances per test, two at once.
    options = " ".join(["-p %d" % port, "-k %s" % base, "-c listen_addresses=127.0.0.1", "-c fsync=off",
                        "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=400"])
    _run_as_owner([os.path.join(bindir, "pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(base, "log"),
                   "-w", "start"])
    cluster = {"dir": base, "port": port, "socket_dir": base, "url": "postgresql://postgres@127.0.0.1:%d" % port}
    with open(os.path.join(state_dir, STATE_FILE), "w") as f:
        json.dump(cluster, f)
    return cluster


def load(state_dir):
    with open(os.path.join(state_dir, STATE_FILE)) as f:
        return json.load(f)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "start":
        print(start(sys.argv[2])["url"])
    else:
        stop(sys.argv[2])

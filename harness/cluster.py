"""A local MariaDB Galera cluster on loopback (`travel cluster start|stop|status`), and an
asynchronous replica of it for analysts (`travel cluster replica start|stop|status`).

Each node is a harness/server.py LocalServer in a directory of its own under `.travel/cluster/`
(`node1`, `node2`, ...), with Galera options appended: its own server_id and wsrep node name,
its own loopback ports for group communication, IST and rsync SST. The ports are chosen once and
kept in `cluster.json`, so a restarted node finds its peers where they were.

Starting a cluster with no node running bootstraps one node (`--wsrep-new-cluster`): the one
Galera marked safe to bootstrap (the last one stopped cleanly), else the one with the highest
recovered position. Every node that has run before is first started with `--wsrep-recover`, which
prints the last transaction it committed; starting it at that position lets it rejoin by an
incremental state transfer (IST) from a peer's cache instead of copying the whole datadir (SST).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import mysql.connector

from .db import DatabaseUrl, connect, on_cluster
from .errors import ServerError
from .server import (
    DEFAULT_DATABASE,
    OWNER_FILE,
    LocalServer,
    _pid_alive,
    _wait_gone,
    _write_private,
    find_binary,
    free_port,
)

CLUSTER_DIR = Path(".travel") / "cluster"
GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so"
STATE_FILE = "cluster.json"
# Run as root, rsync's SST daemon switches to `nobody` and cannot write the joiner's datadir;
# so under root the nodes run as this account (Debian's mariadb-server creates it).
SERVICE_USER = "mysql"


def service_user() -> str | None:
    """The account the nodes run as when started by root, or None to run as the current user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError as err:
        raise ServerError(
            f"running as root, the Galera nodes need the {SERVICE_USER!r} account (rsync SST cannot write as root's "
            "daemon user `nobody`): `sudo apt-get install -y mariadb-server` creates it"
        ) from err
    return SERVICE_USER


def hand_over(path: Path, user: str | None) -> None:
    """Give `path` (recursively) to `user`, so a node running as that account can write it."""
    if user is None or not path.exists():
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, d) for d in dirs), *(os.path.join(root, f) for f in files)]:
            os.chown(name, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


@dataclass
class NodeLayout:
    """A node's fixed identity: name, server_id and the Galera ports it listens on."""

    name: str
    server_id: int
    gcomm_port: int
    ist_port: int
    sst_port: int


class GaleraNode(LocalServer):
    """A LocalServer that runs as one Galera node of `cluster`."""

    def __init__(self, cluster: Cluster, layout: NodeLayout):
        super().__init__(cluster.base / layout.name, fast=cluster.fast, event_scheduler=cluster.event_scheduler)
        self.cluster = cluster
        self.layout = layout
        self.bootstrap = False
        self.start_position: str | None = None
        self.run_as = service_user() or pwd.getpwuid(os.geteuid()).pw_name

    def galera_options(self) -> list[str]:
        peers = ",".join(f"127.0.0.1:{n.gcomm_port}" for n in self.cluster.layout)
        provider = (
            f"gmcast.listen_addr=tcp://127.0.0.1:{self.layout.gcomm_port};"
            f"ist.recv_addr=127.0.0.1:{self.layout.ist_port};"
            f"gcache.size={self.cluster.gcache_size};"
            # a node killed on purpose (tests) is declared gone within seconds, not 15-30
            "evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S"
        )
        options = [
            "--wsrep-on=ON",
            f"--wsrep-provider={GALERA_PROVIDER}",
            f"--wsrep-cluster-name={self.cluster.name}",
            f"--wsrep-cluster-address=gcomm://{peers}",
            f"--wsrep-node-name={self.layout.name}",
            "--wsrep-node-address=127.0.0.1",
            f"--wsrep-provider-options={provider}",
            "--wsrep-sst-method=rsync",
            f"--wsrep-sst-receive-address=127.0.0.1:{self.layout.sst_port}",
            "--wsrep-slave-threads=2",
            f"--server-id={self.layout.server_id}",
            "--binlog-format=ROW",
            "--default-storage-engine=InnoDB",
            "--innodb-autoinc-lock-mode=2",
        ]
        return options

    def extra_options(self, port: int) -> list[str]:
        options = self.galera_options() + [
            f"--wsrep-node-incoming-address=127.0.0.1:{port}",
            # a binary log on every node (with the writes other nodes made), so any node can be
            # the source of an asynchronous replica; this wins over the fast options' --skip-log-bin
            f"--log-bin={self.datadir / 'binlog'}",
            "--log-slave-updates=ON",
            f"--innodb-buffer-pool-size={self.cluster.buffer_pool}",
            "--max-connections=300",
        ]
        if self.fast:
            options.append("--sync-binlog=0")
        if self.start_position:
            options.append(f"--wsrep-start-position={self.start_position}")
        if self.bootstrap:
            options.append("--wsrep-new-cluster")
        return options

    # LocalServer makes its directory, file directory and init file private to the OS user who
    # starts it; when that is root, a node runs as SERVICE_USER, which must own them instead.
    def _make_private_dirs(self) -> None:
        super()._make_private_dirs()
        hand_over(self.base, service_user())

    def _password_init_file(self) -> Path:
        init_file = super()._password_init_file()
        hand_over(init_file, service_user())
        return init_file

    def _tmpdir(self) -> Path:
        path = super()._tmpdir()
        hand_over(path, service_user())
        return path

    # -- Galera state ----------------------------------------------------------------------
    def grastate(self) -> dict[str, str]:
        path = self.datadir / "grastate.dat"
        if not path.exists():
            return {}
        pairs = (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
        return {key.strip(): value.strip() for key, value in pairs}

    def mark_safe_to_bootstrap(self) -> None:
        path = self.datadir / "grastate.dat"
        path.write_text(re.sub(r"safe_to_bootstrap:\s*0", "safe_to_bootstrap: 1", path.read_text()))

    def recover_position(self) -> str | None:
        """Run `mariadbd --wsrep-recover` on the stopped node: InnoDB recovers and logs the last
        committed Galera position (uuid:seqno), which a start then announces to the cluster."""
        # A node killed a moment ago may still hold ibdata1 while it exits: a recover started
        # now waits on InnoDB's lock retries (100 s) and timed out once in CI. start() waits the
        # same way; the recover runs before it.
        self._wait_until_released(60)
        binary = find_binary() or "mariadbd"
        log = self.recover_log()
        log.unlink(missing_ok=True)
        command = [
            binary,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--user={self.run_as}",
            f"--log-error={log}",
            # it opens the network before it recovers: no port, a socket of its own
            "--skip-networking",
            f"--socket={self.base / 'recover.sock'}",
            f"--log-bin={self.datadir / 'binlog'}",
            *self.galera_options(),
            "--wsrep-recover",
        ]
        try:
            subprocess.run(command, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired as err:
            raise ServerError(
                f"{self.layout.name}: `mariadbd --wsrep-recover` did not finish within 120 s; {self.log_tail(log)}"
            ) from err
        found = re.findall(r"Recovered position:\s*([0-9a-f-]{36}:-?\d+)", log.read_text(errors="replace"))
        return found[-1] if found else None

    def recorded_port(self) -> int | None:
        """The SQL port the node last ran on (also after it died)."""
        if not self.state_file.exists():
            return None
        return json.loads(self.state_file.read_text()).get("port")

    def recover_log(self) -> Path:
        return self.base / "recover.log"

    def seqno(self) -> int:
        """The node's last committed seqno: grastate.dat after a clean stop, recovered otherwise."""
        recorded = int(self.grastate().get("seqno", "-1"))
        if recorded >= 0:
            return recorded
        position = self.recover_position()
        return int(position.rsplit(":", 1)[1]) if position else -1

    # -- lifecycle -------------------------------------------------------------------------
    def start_node(self, *, bootstrap: bool, database: str, timeout: float = 180.0) -> bool:
        """Start this node (bootstrapping a new cluster or joining the running one) and wait
        until it is Synced; returns False when it was running already."""
        if self.state():
            return False
        self.bootstrap = bootstrap
        if not (self.datadir / "mysql").exists():
            self._make_private_dirs()
            self._initialise(find_binary() or "mariadbd")
            hand_over(self.base, service_user())
        self.start_position = self.recover_position() if self.grastate() else None
        try:
            self.start(database=database if bootstrap else "", timeout=timeout)
        finally:
            self.bootstrap = False
        self.wait_synced(timeout)
        return True

    def wait_synced(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = "unknown"
        while time.monotonic() < deadline:
            try:
                state = self.wsrep_status().get("wsrep_local_state_comment", "unknown")
            except mysql.connector.Error:
                state = "not answering"
            if state == "Synced":
                return
            time.sleep(0.2)
        raise ServerError(f"{self.layout.name} is {state}, not Synced, after {timeout:.0f}s; {self.log_tail()}")

    def wsrep_status(self) -> dict[str, str]:
        conn = connect(self.url(""), database=False, autocommit=True, connection_timeout=5)
        try:
            cur = conn.cursor()
            cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep%'")
            return {name: value for name, value in cur.fetchall()}
        finally:
            conn.close()

    def kill(self) -> None:
        """Kill the node's process at once (SIGKILL), as a crash would."""
        state = self.state()
        if state is None:
            return
        os.kill(state.pid, signal.SIGKILL)
        _wait_gone(state.pid, 60)


class Cluster:
    """A Galera cluster of `nodes` LocalServers under `base` (default `.travel/cluster/`).

    `fast=True` (tests) trades durability for speed; `event_scheduler=False` keeps the
    housekeeping events from running on their own. The node count is fixed by the first start.
    """

    def __init__(
        self,
        base: Path = CLUSTER_DIR,
        nodes: int = 3,
        *,
        fast: bool = False,
        event_scheduler: bool = True,
        name: str = "travel",
        buffer_pool: str = "256M",
        gcache_size: str = "128M",
    ):
        self.base = Path(base).resolve()
        self.fast = fast
        self.event_scheduler = event_scheduler
        self.name = name
        self.buffer_pool = buffer_pool
        self.gcache_size = gcache_size
        self.layout = self._load_layout(nodes)
        self.nodes = [GaleraNode(self, layout) for layout in self.layout]

    def _load_layout(self, nodes: int) -> list[NodeLayout]:
        path = self.base / STATE_FILE
        if path.exists():
            return [NodeLayout(**node) for node in json.loads(path.read_text())["nodes"]]
        if nodes < 1:
            raise ServerError("a cluster needs at least one node")
        return [NodeLayout(f"node{n}", n, free_port(), free_port(), free_port()) for n in range(1, nodes + 1)]

    def _save_layout(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / STATE_FILE).write_text(json.dumps({"nodes": [asdict(n) for n in self.layout]}, indent=2))

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, database: str = DEFAULT_DATABASE) -> list[bool]:
        """Start every node that is not running, one at a time (joiners take their state from a
        running node); returns, per node, whether it was started now."""
        if not Path(GALERA_PROVIDER).exists():
            raise ServerError(f"{GALERA_PROVIDER} not found; install Galera: `sudo apt-get install -y galera-4 rsync`")
        if shutil.which("rsync") is None:
            raise ServerError("rsync not found (the state transfer uses it): `sudo apt-get install -y rsync`")
        self._save_layout()
        self.base.chmod(0o755)  # the nodes' account must reach its directory (mkdtemp makes 0700)
        self._share_root_password()
        started = [False] * len(self.nodes)
        if not self.running():
            first = self.bootstrap_candidate()
            started[first] = first_started = self.nodes[first].start_node(bootstrap=True, database=database)
            assert first_started
        for number, node in enumerate(self.nodes):
            if not node.state():
                started[number] = node.start_node(bootstrap=False, database=database)
        return started

    def _share_root_password(self) -> None:
        """One root password for every node: a state transfer copies the donor's accounts, and
        each node's start sets root's password cluster-wide (ALTER USER replicates)."""
        password = self.nodes[0].root_password() or secrets.token_urlsafe(24)
        for node in self.nodes:
            if node.root_password() != password:
                node.base.mkdir(parents=True, exist_ok=True)
                _write_private(node.password_file, password + "\n")

    def bootstrap_candidate(self) -> int:
        """The node a stopped cluster must be bootstrapped from: the one Galera marked safe
        (last to leave cleanly), else the most advanced one, else (fresh cluster) the first."""
        states = [node.grastate() for node in self.nodes]
        if not any(states):
            return 0
        for number, state in enumerate(states):
            if state.get("safe_to_bootstrap") == "1":
                return number
        seqnos = [node.seqno() for node in self.nodes]
        best = max(range(len(seqnos)), key=lambda n: seqnos[n])
        self.nodes[best].mark_safe_to_bootstrap()
        return best

    def stop(self) -> list[bool]:
        """Stop the nodes cleanly, the first node last (so it is the one safe to bootstrap)."""
        stopped, stuck = [False] * len(self.nodes), []
        for number in reversed(range(len(self.nodes))):
            try:
                stopped[number] = self.nodes[number].stop()
            except ServerError as err:  # as systemd would: killed, and the other nodes still stopped
                self.nodes[number].kill()
                stuck.append(f"{self.nodes[number].layout.name} was killed: {err}")
        if stuck:
            raise ServerError("\n".join(stuck))
        return stopped

    def running(self) -> list[GaleraNode]:
        return [node for node in self.nodes if node.state()]

    def urls(self, database: str = DEFAULT_DATABASE) -> list[DatabaseUrl]:
        """One URL per running node."""
        return [node.url(database) for node in self.running()]

    def status(self) -> list[dict[str, object]]:
        rows = []
        for node in self.nodes:
            row: dict[str, object] = {"node": node.layout.name, "server_id": node.layout.server_id}
            state = node.state()
            if state is None:
                row.update(running=False, port=None, pid=None, state="stopped", cluster_size=None, seqno=None)
            else:
                try:
                    wsrep = node.wsrep_status()
                except mysql.connector.Error as err:
                    wsrep = {"wsrep_local_state_comment": f"not answering ({err.errno})"}
                row.update(
                    running=True,
                    port=state.port,
                    pid=state.pid,
                    state=wsrep.get("wsrep_local_state_comment"),
                    cluster_size=wsrep.get("wsrep_cluster_size"),
                    seqno=wsrep.get("wsrep_last_committed"),
                )
            row["gcomm_port"] = node.layout.gcomm_port
            row["datadir"] = str(node.datadir)
            rows.append(row)
        return rows


def throwaway_cluster(prefix: str, nodes: int = 3, **options) -> Cluster:
    """A Cluster (not started) in a new temporary directory named `prefix...`, recorded as owned
    by this process; first stops and deletes the clusters of that prefix whose owner has died."""
    parent = Path(tempfile.gettempdir())
    for base in sorted(parent.glob(f"{prefix}*")):
        owner = base / OWNER_FILE
        if owner.is_file() and owner.read_text().strip().isdigit() and not _pid_alive(int(owner.read_text())):
            Cluster(base).stop()
            shutil.rmtree(base, ignore_errors=True)
    base = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    (base / OWNER_FILE).write_text(str(os.getpid()))
    return Cluster(base, nodes, **options)


# -- events on every node --------------------------------------------------------------------
DISABLED_HERE = """
SELECT EVENT_NAME FROM information_schema.EVENTS
WHERE EVENT_SCHEMA = DATABASE() AND STATUS = 'SLAVESIDE_DISABLED'
ORDER BY EVENT_NAME"""


def cluster_node_urls(url: DatabaseUrl) -> list[DatabaseUrl]:
    """The URL of every node of the cluster `url` points into (same account and database),
    from the client addresses the nodes announce; [] when `url` is not a Galera node."""
    conn = connect(url, database=False, autocommit=True)
    try:
        if not on_cluster(conn):
            return []
        cur = conn.cursor()
        cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep_incoming_addresses'")
        row = cur.fetchone()
    finally:
        conn.close()
    urls = []
    for address in (row[1] if row else "").split(","):
        host, _, port = address.strip().rpartition(":")
        if host and port.isdigit():
            urls.append(replace(url, host=host, port=int(port), unix_socket=None))
    return urls


def disabled_events(conn) -> list[str]:
    cur = conn.cursor()
    cur.execute(DISABLED_HERE)
    names = [row[0] for row in cur.fetchall()]
    cur.close()
    return names


def enable_events_on_every_node(url: DatabaseUrl, echo=print) -> dict[str, list[str]]:
    """On a cluster, enable the housekeeping events on every node of `url`'s database.

    An event replicated from another node is SLAVESIDE_DISABLED here. `ALTER EVENT ... ENABLE`
    with `wsrep_on = OFF` enables it on this node only (not replicated, so it does not disable
    it elsewhere in turn). The events take a lease before they work (schema V0020), so running
    on every node means "on whichever node is alive", never twice. Returns, per node, the
    events enabled; nothing happens on a single server."""
    enabled: dict[str, list[str]] = {}
    for node_url in cluster_node_urls(url):
        conn = connect(node_url, autocommit=True)
        try:
            names = disabled_events(conn)
            if names:
                cur = conn.cursor()
                cur.execute("SET SESSION wsrep_on = OFF")
                try:
                    for name in names:
                        cur.execute(f"ALTER EVENT `{name}` ENABLE")
                finally:
                    cur.execute("SET SESSION wsrep_on = ON")
                echo(f"{node_url.host}:{node_url.port}: enabled event(s) {', '.join(names)} on this node")
            enabled[f"{node_url.host}:{node_url.port}"] = names
        finally:
            conn.close()
    return enabled


def node_event_warnings(conn) -> list[str]:
    """What `travel validate` and `travel events status` say about events disabled on the
    node they are connected to (node-local state, not schema drift)."""
    try:
        names = disabled_events(conn)
        clustered = on_cluster(conn)
    except mysql.connector.Error:
        return []
    finally:
        conn.commit()
    if not names:
        return []
    if clustered:
        return [
            f"event(s) {', '.join(names)} are SLAVESIDE_DISABLED on this Galera node (created on another one): "
            "they will not run here, and housekeeping stops if that node dies. Run `travel migrate` (it "
            "enables them on every node; a lease keeps each run to one node)"
        ]
    return [f"event(s) {', '.join(names)} are SLAVESIDE_DISABLED: expected on a replica (the primary runs them)"]


# -- an asynchronous replica for analysts ----------------------------------------------------
SYSTEM_DATABASES = ("mysql", "information_schema", "performance_schema", "sys")
REPLICATION_USER = "travel_replication"


class Replica(LocalServer):
    """An asynchronous replica of `source` (a Galera node, or any server with a binary log) in
    a directory of its own: loaded from a consistent dump of the source's databases, then
    replicating from the binary log position the dump was taken at. Read-only for everyone but
    root; its event scheduler stays off (the source runs housekeeping; the dump's events would
    otherwise run here too)."""

    def __init__(self, base: Path, server_id: int = 100, *, fast: bool = False):
        super().__init__(base, fast=fast, event_scheduler=False)
        self.server_id = server_id
        self.source_file = self.base / "source.json"

    def extra_options(self, port: int) -> list[str]:
        return [
            f"--server-id={self.server_id}",
            "--read-only=ON",
            f"--relay-log={self.datadir / 'relay'}",
            "--innodb-buffer-pool-size=256M",
        ]

    def attach(self, source: DatabaseUrl) -> None:
        """Load the source's databases and start replicating from it (once; a restarted replica
        resumes on its own from where it stopped)."""
        if self.source_file.exists():
            return
        password = secrets.token_urlsafe(18)
        conn = connect(source, database=False, autocommit=True)
        try:
            cur = conn.cursor()
            cur.execute(f"CREATE USER IF NOT EXISTS '{REPLICATION_USER}'@'127.0.0.1' IDENTIFIED BY %s", (password,))
            cur.execute(f"ALTER USER '{REPLICATION_USER}'@'127.0.0.1' IDENTIFIED BY %s", (password,))
            cur.execute(f"GRANT REPLICATION SLAVE ON *.* TO '{REPLICATION_USER}'@'127.0.0.1'")
            cur.execute("SHOW DATABASES")
            databases = [row[0] for row in cur.fetchall() if row[0] not in SYSTEM_DATABASES]
        finally:
            conn.close()
        replica = connect(self.url(""), database=False, autocommit=True)
        try:
            cur = replica.cursor()
            # where and who first: a CHANGE MASTER naming the host resets the position, which
            # the dump's own CHANGE MASTER (--master-data=1) then sets
            cur.execute(
                "CHANGE MASTER TO MASTER_HOST = %s, MASTER_PORT = %s, MASTER_USER = %s, MASTER_PASSWORD = %s",
                (source.host, source.port, REPLICATION_USER, password),
            )
            if databases:
                self._load_dump(source, databases)
                self._disable_events(cur)
            cur.execute("START SLAVE")
        finally:
            replica.close()
        _write_private(self.source_file, json.dumps({"host": source.host, "port": source.port}))

    def _load_dump(self, source: DatabaseUrl, databases: list[str]) -> None:
        dump = [
            find_binary(("mariadb-dump", "mysqldump")) or "mariadb-dump",
            f"--host={source.host}",
            f"--port={source.port}",
            f"--user={source.user}",
            "--single-transaction",
            "--master-data=1",
            "--routines",
            "--events",
            "--triggers",
            "--databases",
            *databases,
        ]
        load = [
            find_binary(("mariadb", "mysql")) or "mariadb",
            f"--socket={self.socket}",
            "--user=root",
        ]
        source_env = {**os.environ, "MYSQL_PWD": source.password}
        replica_env = {**os.environ, "MYSQL_PWD": self.root_password()}
        dumper = subprocess.Popen(dump, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=source_env)
        loaded = subprocess.run(load, stdin=dumper.stdout, capture_output=True, env=replica_env)
        dumper.stdout.close()
        dump_errors = dumper.stderr.read().decode(errors="replace")
        if dumper.wait() != 0 or loaded.returncode != 0:
            raise ServerError(
                f"loading the replica from {source} failed: {dump_errors[-1000:]} {loaded.stderr.decode()[-1000:]}"
            )

    def _disable_events(self, cur) -> None:
        """The dump recreates the source's events as ENABLED; here they must never run (they
        run as their definer, whom read_only does not stop): mark them as a replica's are."""
        cur.execute(
            "SELECT EVENT_SCHEMA, EVENT_NAME FROM information_schema.EVENTS WHERE STATUS = 'ENABLED'"
            " AND EVENT_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')"
        )
        for schema, name in cur.fetchall():
            cur.execute(f"ALTER EVENT `{schema}`.`{name}` DISABLE ON SLAVE")

    def replication(self) -> dict[str, object]:
        """The replica's SHOW SLAVE STATUS, the fields worth printing."""
        conn = connect(self.url(""), database=False, autocommit=True)
        try:
            cur = conn.cursor(dictionary=True)
            cur.execute("SHOW SLAVE STATUS")
            row = cur.fetchone() or {}
        finally:
            conn.close()
        fields = ("Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master")
        return {name.lower(): row.get(name) for name in fields} | {"last_error": row.get("Last_Error") or ""}

    def wait_for(self, source: DatabaseUrl, timeout: float = 60) -> None:
        """Wait until the replica has applied what the source had written when this was called."""
        conn = connect(source, database=False, autocommit=True)
        try:
            cur = conn.cursor()
            cur.execute("SHOW MASTER STATUS")
            log_file, position = cur.fetchone()[:2]
        finally:
            conn.close()
        replica = connect(self.url(""), database=False, autocommit=True)
        try:
            cur = replica.cursor()
            cur.execute("SELECT MASTER_POS_WAIT(%s, %s, %s)", (log_file, position, int(timeout)))
            (waited,) = cur.fetchone()
        finally:
            replica.close()
        if waited is None or waited < 0:
            raise ServerError(
                f"the replica did not reach {log_file}:{position} within {timeout:.0f}s: {self.replication()}"
            )


def replica_of(cluster: Cluster) -> Replica:
    """The local cluster's replica, under `<cluster dir>/replica`, fed by node1."""
    return Replica(cluster.base / "replica", fast=cluster.fast)


def start_replica(cluster: Cluster, database: str = DEFAULT_DATABASE) -> Replica:
    """Start the cluster's replica (loading and attaching it the first time)."""
    replica = replica_of(cluster)
    # the cluster's root password: a replicated ALTER USER root (a node's start sets it) must
    # not lock root out of the replica
    if replica.root_password() != cluster.nodes[0].root_password():
        replica.base.mkdir(parents=True, exist_ok=True)
        _write_private(replica.password_file, cluster.nodes[0].root_password() + "\n")
    replica.start(database="")
    replica.attach(cluster.nodes[0].url(""))
    return replica


# -- what `travel cluster` prints --------------------------------------------------------------
def start_local(nodes: int, base: Path = CLUSTER_DIR, database: str = DEFAULT_DATABASE) -> list[str]:
    """`travel cluster start`: start the nodes, enable the events on each; one line per node."""
    cluster = Cluster(base, nodes)
    started = cluster.start(database)
    lines = []
    for node, now in zip(cluster.nodes, started, strict=True):
        state = node.state()
        url = replace(node.url(database), sync_wait=1)
        lines.append(f"{node.layout.name}: {'started' if now else 'already running'}: {url} (pid {state.pid})")
    enable_events_on_every_node(cluster.nodes[0].url(database), echo=lines.append)
    lines.append(f"root's password is in {cluster.nodes[0].password_file}; `travel cluster url` prints a full URL")
    return lines


def node_url(node: int = 1, base: Path = CLUSTER_DIR, database: str = DEFAULT_DATABASE) -> str:
    """`travel cluster url`: a running node's URL with the password, ready for TRAVEL_DATABASE_URL."""
    cluster = Cluster(base)
    if not 1 <= node <= len(cluster.nodes):
        raise ServerError(f"the cluster has nodes 1-{len(cluster.nodes)}")
    return replace(cluster.nodes[node - 1].url(database), sync_wait=1).unmasked()


def replica_lines(base: Path = CLUSTER_DIR, database: str = DEFAULT_DATABASE) -> list[str]:
    """`travel cluster replica start`: start (first time: load and attach) node1's replica."""
    replica = start_replica(Cluster(base), database)
    url = replica.url(database)
    return [
        f"replica of node1: {url} (pid {replica.state().pid}, data {replica.datadir})",
        f"reports: travel report NAME --replica {url} (the password is in {replica.password_file})",
    ]

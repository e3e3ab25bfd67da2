"""The Python peers of the benchmark, each in its own process: libsecret (through GObject introspection), Python
SecretStorage, Python keyring, and jeepney for the D-Bus floor. Same workload and output as the Node clients: one JSON
line per result, with the wall time of each operation, the client's CPU time (all threads) and the daemons'.

usage: python3 python-peers.py <libsecret|python-secretstorage|python-keyring|jeepney> <stage> '<json options>'
"""
import json
import os
import sys
import time

client = sys.argv[1] if len(sys.argv) > 1 else ""
stage = sys.argv[2] if len(sys.argv) > 2 else ""
options = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}

DAEMON_PIDS = {"keyring": os.environ.get("BENCH_KEYRING_PID"), "bus": os.environ.get("BENCH_BUS_PID")}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
GROWTH_SERVICE = "bench-growth"
GROWTH_SCHEMA = "org.bench.Password"
COLD_ATTRIBUTES = {"service": "bench-cold", "username": "user"}
COLD_SECRET = "cold-secret"


def sequential_key(i):
    return f"bench-{client}", f"user{i}"


def sequential_secret(i):
    return f"secret-{i}"


def growth_user(i):
    return f"user{i}"


def growth_secret(i):
    return f"secret-{i}"


def growth_set_key():
    """The one item this client sets over and over (first created, then replaced), so the collection keeps its size."""
    return "bench-growth-set", client


def process_cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    # Fields after the parenthesised command name: state is the 3rd field, utime the 14th, stime the 15th.
    fields = text[text.rindex(")") + 2 :].split(" ")
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


def daemon_cpu_ms():
    """CPU milliseconds of gnome-keyring-daemon and dbus-daemon so far, or None when unknown."""
    if not all(DAEMON_PIDS.values()):
        return None
    try:
        return {name: process_cpu_ms(pid) for name, pid in DAEMON_PIDS.items()}
    except OSError:
        return None


def emit(line):
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def result(phase, n, wall, cpu, daemon0, daemon1, extra):
    line = {
        "client": client,
        "phase": phase,
        "n": n,
        "wall_ms": round(wall, 3),
        "cpu_ms": round(cpu, 3),
        "daemon_cpu_ms": None
        if daemon0 is None or daemon1 is None
        else {name: round(daemon1[name] - daemon0[name], 3) for name in daemon0},
    }
    line.update(extra)
    return line


def measure_each(phase, n, op):
    samples = []
    daemon0, cpu0, wall0 = daemon_cpu_ms(), time.process_time(), time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        op(i)
        samples.append(round((time.perf_counter() - t) * 1000, 3))
    wall, cpu = (time.perf_counter() - wall0) * 1000, (time.process_time() - cpu0) * 1000
    emit(result(phase, n, wall, cpu, daemon0, daemon_cpu_ms(), {"samples_ms": samples}))


def measure_whole(phase, n, whole):
    daemon0, cpu0, wall0 = daemon_cpu_ms(), time.process_time(), time.perf_counter()
    whole()
    wall, cpu = (time.perf_counter() - wall0) * 1000, (time.process_time() - cpu0) * 1000
    emit(result(phase, n, wall, cpu, daemon0, daemon_cpu_ms(), {}))


def measure_batches(phase, n, batches, whole):
    """`batches` timed runs of whole(), each its own line, after one untimed run (as measureBatches in measure.mjs)."""
    whole()
    for _ in range(batches):
        measure_whole(phase, n, whole)


def expect(actual, expected, what):
    if isinstance(actual, (bytes, bytearray)):
        actual = actual.decode()
    if actual != expected:
        raise AssertionError(f"{what}: read back a different secret than was stored")


class Libsecret:
    """libsecret's password API (what secret-tool, keytar and most C and GNOME programs use)."""

    def __init__(self):
        import gi

        gi.require_version("Secret", "1")
        from gi.repository import GLib, Secret

        self.GLib, self.Secret = GLib, Secret
        string = Secret.SchemaAttributeType.STRING
        self.schema = Secret.Schema.new(
            GROWTH_SCHEMA, Secret.SchemaFlags.NONE, {"service": string, "username": string}
        )

    @staticmethod
    def version():
        from gi.repository import Secret

        return f"{Secret.MAJOR_VERSION}.{Secret.MINOR_VERSION}.{Secret.MICRO_VERSION}"

    def set(self, service, user, password):
        self.Secret.password_store_sync(
            self.schema, {"service": service, "username": user}, self.Secret.COLLECTION_DEFAULT, f"{service} {user}", password, None
        )

    def get(self, service, user):
        return self.Secret.password_lookup_sync(self.schema, {"service": service, "username": user}, None)

    def remove(self, service, user):
        self.Secret.password_clear_sync(self.schema, {"service": service, "username": user}, None)

    def get_concurrent(self, keys):
        """All lookups started at once on libsecret's shared connection, run by a GLib main loop."""
        loop, results, errors = self.GLib.MainLoop(), [None] * len(keys), []
        pending = [len(keys)]

        def done(_source, outcome, index):
            try:
                results[index] = self.Secret.password_lookup_finish(outcome)
            except Exception as error:  # reported after the loop, not lost in a callback
                errors.append(error)
            pending[0] -= 1
            if pending[0] == 0:
                loop.quit()

        for index, (service, user) in enumerate(keys):
            self.Secret.password_lookup(self.schema, {"service": service, "username": user}, None, done, index)
        loop.run()
        if errors:
            raise errors[0]
        return results

    def find_all(self, service):
        """One search that loads the secrets too (SECRET_SEARCH_LOAD_SECRETS)."""
        flags = self.Secret.SearchFlags
        secret_service = self.Secret.Service.get_sync(self.Secret.ServiceFlags.OPEN_SESSION, None)
        items = secret_service.search_sync(None, {"service": service}, flags.ALL | flags.UNLOCK | flags.LOAD_SECRETS, None)
        return [item.get_secret().get_text() for item in items]


class PythonSecretStorage:
    """SecretStorage's documented API: one connection, the default collection, search_items and get_secret."""

    def __init__(self):
        import secretstorage

        self.secretstorage = secretstorage
        self.connection = secretstorage.dbus_init()
        self.collection = secretstorage.get_default_collection(self.connection)

    @staticmethod
    def version():
        import secretstorage

        return secretstorage.__version__

    def set(self, service, user, password):
        attributes = {"service": service, "username": user}
        self.collection.create_item(f"{service} {user}", attributes, password.encode(), replace=True)

    def get(self, service, user):
        return next(self.collection.search_items({"service": service, "username": user})).get_secret()

    def remove(self, service, user):
        next(self.collection.search_items({"service": service, "username": user})).delete()

    get_concurrent = None

    def find_all(self, service):
        return [item.get_secret() for item in self.collection.search_items({"service": service})]


class PythonKeyring:
    """The keyring package's SecretService backend (each call opens its own connection and session)."""

    def __init__(self):
        import keyring
        from keyring.backends import SecretService

        keyring.set_keyring(SecretService.Keyring())
        self.keyring = keyring

    @staticmethod
    def version():
        from importlib.metadata import version

        return version("keyring")

    def set(self, service, user, password):
        self.keyring.set_password(service, user, password)

    def get(self, service, user):
        return self.keyring.get_password(service, user)

    def remove(self, service, user):
        self.keyring.delete_password(service, user)

    get_concurrent = None

    def find_all(self, service):
        """keyring has no batch read: one get_password per account."""
        return [self.keyring.get_password(service, growth_user(i)) for i in range(options["size"])]


def sequential(api):
    n = options["n"]
    set_one = lambda i: api.set(*sequential_key(i), sequential_secret(i))
    get_one = lambda i: expect(api.get(*sequential_key(i)), sequential_secret(i), "get")
    # The first pass of this fresh process (FIRST_PASS in workload.mjs), then the same operations warmed up.
    measure_each("set_first", n, set_one)
    measure_each("get_first", n, get_one)
    measure_each("delete_first", n, lambda i: api.remove(*sequential_key(i)))
    measure_each("set", n, set_one)
    measure_each("get", n, get_one)
    if api.get_concurrent:

        def concurrent():
            secrets = api.get_concurrent([sequential_key(i) for i in range(n)])
            for i, secret in enumerate(secrets):
                expect(secret, sequential_secret(i), "concurrent get")

        measure_batches("get_concurrent", n, options["batches"], concurrent)
    measure_each("delete", n, lambda i: api.remove(*sequential_key(i)))


def growth(api):
    size, gets, sets = options["size"], options["gets"], options["sets"]
    measure_each("set", sets, lambda i: api.set(*growth_set_key(), f"new-{i}"))
    # Untimed reads from the other end of the collection first, as the Node clients do (they warm up their JIT).
    for k in range(options["warmUp"]):
        api.get(GROWTH_SERVICE, growth_user(size - 1 - k))
    timed = lambda k: (k * size) // gets
    measure_each("get", gets, lambda k: expect(api.get(GROWTH_SERVICE, growth_user(timed(k))), growth_secret(timed(k)), "get"))
    api.remove(*growth_set_key())
    for _ in range(options["bulkReps"]):

        def bulk():
            found = api.find_all(GROWTH_SERVICE)
            if len(found) != size:
                raise AssertionError(f"bulk read returned {len(found)} secrets, expected {size}")

        measure_whole("bulk", size, bulk)


def jeepney_floor():
    """One raw Properties.Get round trip from jeepney's blocking client."""
    from jeepney import DBusAddress, Properties
    from jeepney.io.blocking import open_dbus_connection

    connection = open_dbus_connection("SESSION")
    service = DBusAddress("/org/freedesktop/secrets", bus_name="org.freedesktop.secrets", interface="org.freedesktop.Secret.Service")
    call = lambda _i=0: connection.send_and_get_reply(Properties(service).get("Collections"))
    call()
    measure_each("roundtrip", options["n"], call)
    connection.close()


def jeepney_version():
    from importlib.metadata import version

    return version("jeepney")


def cold_read():
    """A whole process's worth of work for the cold-start comparison: connect, open the session, read one secret."""
    import secretstorage

    connection = secretstorage.dbus_init()
    item = next(secretstorage.search_items(connection, COLD_ATTRIBUTES))
    expect(item.get_secret(), COLD_SECRET, "cold start")
    connection.close()


APIS = {"libsecret": Libsecret, "python-secretstorage": PythonSecretStorage, "python-keyring": PythonKeyring}

if stage == "cold" and client == "python-secretstorage":
    cold_read()
elif stage == "probe":
    if client == "jeepney":
        import jeepney.io.blocking  # noqa: F401

        emit({"client": client, "phase": "probe", "version": jeepney_version()})
    else:
        APIS[client]()
        emit({"client": client, "phase": "probe", "version": APIS[client].version()})
elif stage == "floor" and client == "jeepney":
    jeepney_floor()
elif stage in ("sequential", "growth") and client in APIS:
    (sequential if stage == "sequential" else growth)(APIS[client]())
else:
    raise SystemExit(f"{client} has no stage {stage!r}")

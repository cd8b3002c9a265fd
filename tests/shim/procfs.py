"""What a process holds, read from /proc (Linux): its resident memory and its TCP connections."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: /proc/net/tcp state codes (include/net/tcp_states.h).
TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


@dataclass(frozen=True)
class TcpSocket:
    """One IPv4 TCP socket of a process: local and remote port (127.0.0.1 only here) and its state."""

    local_port: int
    remote_port: int
    state: str


def rss_bytes(pid: int) -> int:
    """The resident set size of `pid` (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def tcp_sockets(pid: int) -> list[TcpSocket]:
    """The IPv4 TCP sockets whose file descriptors `pid` holds (socket inodes matched in /proc/net/tcp)."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for line in Path(f"/proc/{pid}/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if inode in inodes:
            found.append(TcpSocket(int(local.split(":")[1], 16), int(remote.split(":")[1], 16), TCP_STATES[state]))
    return found

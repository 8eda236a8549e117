"""A real TCP proxy between a browser and a server, for dropouts as a phone meets them.

``stall()`` holds every byte both ways on every connection, old and new (a Wi-Fi dropout:
nothing arrives and nothing fails), ``resume()`` lets them flow again, and ``reset()`` cuts
every open connection with a TCP reset (the access point dropping the phone). Only
127.0.0.1 is used.
"""

from __future__ import annotations

import select
import socket
import struct
import threading


class Proxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def url(self, url: str) -> str:
        """``url`` of the server, through the proxy."""
        return url.replace(f":{self.target[1]}/", f":{self.port}/", 1)

    # -- what a test does -----------------------------------------------------------------
    def stall(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def reset(self) -> None:
        """Cut every open connection: the browser's side gets a TCP reset."""
        with self.lock:
            pairs, self.pairs = self.pairs, set()
        for client, upstream in pairs:
            _reset(client)
            _close(upstream)

    def close(self) -> None:
        self.closed = True
        self.flowing.set()
        _close(self.listener)
        self.reset()

    # -- the plumbing ---------------------------------------------------------------------
    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            pair = (client, upstream)
            with self.lock:
                self.pairs.add(pair)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst, pair), daemon=True, name="proxy-pump").start()

    def _pump(self, src: socket.socket, dst: socket.socket, pair) -> None:
        try:
            while not self.closed:
                # While stalled the bytes stay in the kernel's buffers, unread: the sender
                # sees a connection that takes nothing and says nothing, as over dead Wi-Fi.
                if not self.flowing.wait(0.1):
                    if src.fileno() < 0:
                        return
                    continue
                ready, _, _ = select.select([src], [], [], 0.1)
                if not ready or not self.flowing.is_set():
                    continue
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except (OSError, ValueError):
            pass
        with self.lock:
            self.pairs.discard(pair)
        for sock in pair:
            _close(sock)


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass

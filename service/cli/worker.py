"""The gunicorn worker of ``bonemet serve``: a request reaches the application only once it has arrived whole.

gunicorn's sync worker reads a request from its socket in the one thread that also runs the application:
a client that opens a connection and sends nothing, or sends its headers one byte every 2 s, holds the
worker until gunicorn's timeout kills it (logged as "Perhaps out of memory?"). gthread holds such a
client in one of its threads instead: 50 slow clients take 50 threads, and its threads cannot keep the
request deadline (``BONEMET_REQUEST_TIMEOUT``), which is an alarm signal, delivered to the main thread only.

This worker keeps the sync worker's model (one request at a time, in the main thread, under the
deadline) and puts an event loop in front of it, as a buffering proxy would: the loop accepts
connections and reads what each client has sent, without waiting for any; a request is given to the
application when its request line, headers and body (up to ``BONEMET_MAX_BODY_BYTES``, when its
``Content-Length`` says how long it is) have all arrived. A connection whose request has not arrived
within ``BONEMET_CLIENT_TIMEOUT`` seconds of its opening is answered 408 and closed, and the log says how
many slow or idle clients were closed so. At most ``worker_connections`` connections wait per worker;
beyond, the others wait in the kernel's queue.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import selectors
import socket
import ssl
import time
from typing import Any

from gunicorn import http, util
from gunicorn.workers.sync import SyncWorker

log = logging.getLogger("bonemet.serve")

SAID_EVERY = 60.0  # seconds between two log lines about slow clients (an attack must not flood the log)
_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*([0-9]{1,12})[ \t]*$", re.IGNORECASE | re.MULTILINE)
_DEFERRED_BODY = re.compile(rb"^(transfer-encoding|expect)[ \t]*:", re.IGNORECASE | re.MULTILINE)


class Arriving:
    """One connection's request while it arrives: the bytes read so far and when it must be whole."""

    __slots__ = ("addr", "closed", "data", "deadline", "listener", "sock", "whole_at")

    def __init__(self, sock: socket.socket, addr: Any, listener: socket.socket, deadline: float) -> None:
        self.sock, self.addr, self.listener, self.deadline = sock, addr, listener, deadline
        self.data = bytearray()
        self.whole_at: int | None = None  # bytes of the whole request, once its headers say it
        self.closed = False

    def receive(self, head_cap: int, max_body: int) -> bool:
        """Read what has come; True when the request is whole (or the client left, or its head is over
        ``head_cap``: gunicorn's parser then answers)."""
        try:
            chunk = self.sock.recv(262144)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            chunk = b""
        if not chunk:
            self.closed = True
            return True
        self.data += chunk
        if self.whole_at is None:
            end = self.data.find(b"\r\n\r\n")
            if end < 0:
                return len(self.data) > head_cap
            head = bytes(self.data[:end])
            length = _LENGTH.findall(head)
            # A chunked body, a client waiting for "100 Continue", or a body over the limit (the application
            # refuses it with 413 without reading it): read by the application as it comes.
            body = int(length[0]) if len(length) == 1 and not _DEFERRED_BODY.search(head) else 0
            self.whole_at = end + 4 + (body if body <= max_body else 0)
        return len(self.data) >= self.whole_at


class WholeRequestWorker(SyncWorker):
    """gunicorn's sync worker behind an event loop that reads each request whole first (module docstring).
    ``client_timeout`` and ``max_body`` are set by ``bonemet serve`` from its settings."""

    client_timeout = 15.0
    max_body = 5_000_000

    def run(self) -> None:
        if self.cfg.is_ssl:  # TLS is the proxy's (docs/configuration.md): the plain sync worker then
            super().run()
            return
        self.selector = selectors.DefaultSelector()
        self.waiting: dict[int, Arriving] = {}
        self.closed_slow = 0  # connections closed by the client timeout, not yet said in the log
        self.said_at = 0.0
        self.accepting = False
        self.head_cap = self.cfg.limit_request_line + self.cfg.limit_request_field_size + 65536
        self.selector.register(self.PIPE[0], selectors.EVENT_READ, None)
        for listener in self.sockets:
            listener.setblocking(False)
        self._accept_when(True)
        try:
            while self.alive:
                self.notify()
                self._turn()
                if not self.is_parent_alive():
                    break
        finally:
            for arriving in list(self.waiting.values()):
                self._drop(arriving)
            self.selector.close()

    def _accept_when(self, room: bool) -> None:
        if room == self.accepting:
            return
        for listener in self.sockets:
            if room:
                self.selector.register(listener, selectors.EVENT_READ, listener)
            else:
                self.selector.unregister(listener)
        self.accepting = room

    def _turn(self) -> None:
        now = time.monotonic()
        soonest = min((arriving.deadline for arriving in self.waiting.values()), default=now + 1.0)
        whole: list[Arriving] = []
        for key, _ in self.selector.select(max(0.0, min(1.0, soonest - now))):
            if key.data is None:  # a signal woke the loop (gunicorn's pipe)
                with contextlib.suppress(OSError):
                    os.read(self.PIPE[0], 4096)
            elif isinstance(key.data, Arriving):
                if key.data.receive(self.head_cap, self.max_body):
                    self._forget(key.data)
                    whole.append(key.data)
            else:
                self._accept(key.data)
        for arriving in whole:
            if arriving.closed and not arriving.data:
                util.close(arriving.sock)  # opened and left without a word
            else:
                self.notify()
                self._serve(arriving)
            if not self.alive:
                for rest in whole[whole.index(arriving) + 1:]:
                    util.close(rest.sock)
                break
        self._close_late(time.monotonic())
        self._accept_when(len(self.waiting) < self.cfg.worker_connections)

    def _accept(self, listener: socket.socket) -> None:
        while len(self.waiting) < self.cfg.worker_connections:
            try:
                sock, addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno in (errno.ECONNABORTED, errno.EMFILE, errno.ENFILE):
                    return
                raise
            sock.setblocking(False)
            util.close_on_exec(sock)
            arriving = Arriving(sock, addr, listener, time.monotonic() + self.client_timeout)
            self.waiting[sock.fileno()] = arriving
            self.selector.register(sock, selectors.EVENT_READ, arriving)

    def _forget(self, arriving: Arriving) -> None:
        self.selector.unregister(arriving.sock)
        del self.waiting[arriving.sock.fileno()]

    def _drop(self, arriving: Arriving) -> None:
        self._forget(arriving)
        util.close(arriving.sock)

    def _close_late(self, now: float) -> None:
        """Answer 408 to the connections whose request is not whole in time, close them, and say so (at most
        once a minute, with how many)."""
        for arriving in [a for a in self.waiting.values() if a.deadline <= now]:
            if arriving.data:  # a client that began a request is told why; an idle connection just closes
                body = json.dumps({"error": "Request Timeout", "status": 408, "detail": (
                    f"the request did not arrive whole within {self.client_timeout:g} s (BONEMET_CLIENT_TIMEOUT)")})
                with contextlib.suppress(OSError):
                    arriving.sock.send((f"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: "
                                        f"application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode())
            self._drop(arriving)
            self.closed_slow += 1
        if self.closed_slow and now - self.said_at >= SAID_EVERY:
            log.warning("slow clients: %d connections closed because their request had not arrived whole %g s "
                        "after they opened (BONEMET_CLIENT_TIMEOUT: idle connections, or request lines, headers or "
                        "bodies sent too slowly); the requests of other clients were not held up", self.closed_slow,
                        self.client_timeout)
            self.closed_slow, self.said_at = 0, now

    def _serve(self, arriving: Arriving) -> None:
        """The sync worker's ``handle``, the bytes already read given to the parser first. What was not read
        yet (a chunked body, or one after "100 Continue") is read with the client timeout for each wait."""
        client, addr, listener = arriving.sock, arriving.addr, arriving.listener
        req = None
        try:
            client.settimeout(self.client_timeout)
            parser = http.get_parser(self.cfg, client, addr)
            parser.unreader.unread(bytes(arriving.data))
            req = next(parser)
            self.handle_request(listener, req, client, addr)
        except http.errors.NoMoreData as error:
            self.log.debug("Ignored premature client disconnection. %s", error)
        except StopIteration as error:
            self.log.debug("Closing connection. %s", error)
        except TimeoutError:
            self.closed_slow += 1  # said with the others in the next line about slow clients
        except ssl.SSLError as error:  # not reached without TLS; kept as the sync worker has it
            self.handle_error(req, client, addr, error)
        except OSError as error:
            if error.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                self.log.exception("Socket error processing request.")
        except BaseException as error:
            self.handle_error(req, client, addr, error)
        finally:
            util.close_graceful(client)

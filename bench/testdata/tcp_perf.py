# tcp_perf.py: TCP figures for bench/path_test.go, run inside instance namespaces.
#
#   tcp_perf.py serve ADDR PORT            echo 64-byte requests; swallow streams
#   tcp_perf.py rr DST PORT SECONDS        one connection: round trips per second and the
#                                          median round trip in microseconds
#   tcp_perf.py stream DST PORT SECONDS    one connection: megabits per second sent
#   tcp_perf.py connect DST PORT SECONDS   new connections per second (connect, one
#                                          round trip, close)
import socket
import sys
import threading
import time


def handle(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        mode = c.recv(1)
        if mode == b"s":
            while c.recv(1 << 16):
                pass
        else:
            while True:
                b = c.recv(64)
                if not b:
                    break
                c.sendall(b)
    except OSError:
        pass  # the connect benchmark closes with a reset
    c.close()


def serve(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def rr(dst, port, seconds):
    c = socket.create_connection((dst, port), timeout=2)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(b"r")
    msg = b"x" * 64
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        c.sendall(msg)
        got = 0
        while got < 64:
            got += len(c.recv(64 - got))
        times.append(time.monotonic() - t0)
    times.sort()
    print(int(len(times) / seconds), int(times[len(times) // 2] * 1e6))


def stream(dst, port, seconds):
    c = socket.create_connection((dst, port), timeout=2)
    c.sendall(b"s")
    buf = b"x" * (1 << 16)
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c.sendall(buf)
        sent += len(buf)
    c.close()
    print(int(sent * 8 / seconds / 1e6))


def connect(dst, port, seconds):
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c = socket.create_connection((dst, port), timeout=2)
        # Close with a reset: no TIME_WAIT piling up on the client's ports over a run.
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.sendall(b"r" + b"x" * 64)
        got = 0
        while got < 64:
            got += len(c.recv(64 - got))
        c.close()
        n += 1
    print(int(n / seconds))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "serve":
        serve(args[0], int(args[1]))
    else:
        {"rr": rr, "stream": stream, "connect": connect}[mode](args[0], int(args[1]), float(args[2]))

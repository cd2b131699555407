# acl_rr.py: TCP request/response round trips for bench/acl_test.go.
#
#   acl_rr.py serve ADDR PORT          echo every 64-byte request on each connection
#   acl_rr.py run DST PORT SECONDS     one connection, print round trips per second
import socket
import sys
import time


def serve(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            b = c.recv(64)
            if not b:
                break
            c.sendall(b)
        c.close()


def run(dst, port, seconds):
    c = socket.create_connection((dst, port), timeout=2)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b"x" * 64
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c.sendall(msg)
        got = 0
        while got < 64:
            got += len(c.recv(64 - got))
        n += 1
    print(int(n / seconds))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        run(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))

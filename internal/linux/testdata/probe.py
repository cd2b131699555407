# probe.py: the traffic the data plane tests (internal/linux, e2e) send between namespaces, with nothing but
# python3 (the machine may have no ping or nc). Exit 0 when the exchange succeeded.
#
#   probe.py tcp-serve ADDR PORT [TAG]      accept forever, answer each peer with its address
#                                           (and TAG, to tell servers with one address apart;
#                                           the TAG "+port" answers with the peer's port instead)
#   probe.py tcp-connect DST PORT TIMEOUT [SRC [SPORT]]   print the answer
#   probe.py udp-serve ADDR PORT [TAG]      answer each datagram with the sender's address
#   probe.py udp-send DST PORT TIMEOUT [SRC [SPORT]]      print the answer
#   probe.py ping DST TIMEOUT               one ICMP echo request, wait for the reply
#
# A client that hears nothing back prints "timed out" on stderr: the tests tell a packet
# that was dropped from a probe that could not run.
import os
import socket
import struct
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(kind, addr, port, tag):
    s = socket.socket(family(addr), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(64)
    print("ready", flush=True)
    while True:
        if kind == socket.SOCK_STREAM:
            c, peer = s.accept()
            try:
                c.sendall(answer(peer, tag))
            finally:
                c.close()
        else:
            _, peer = s.recvfrom(2048)
            s.sendto(answer(peer, tag), peer)


def answer(peer, tag):
    if tag == "+port":
        return ("%s %d" % (peer[0], peer[1])).encode()
    return (peer[0] + (" " + tag if tag else "")).encode()


def client(kind, dst, port, timeout, src, sport):
    s = socket.socket(family(dst), kind)
    s.settimeout(timeout)
    if src or sport:
        s.bind((src or "", sport))
    try:
        if kind == socket.SOCK_STREAM:
            s.connect((dst, port))
            data = s.recv(256)
        else:
            s.sendto(b"probe", (dst, port))
            data, _ = s.recvfrom(256)
    except OSError as e:
        print(e, file=sys.stderr)
        return 1
    print(data.decode())
    return 0


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping(dst, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"vpcd"
    pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr), ident, 1) + b"vpcd"
    s.sendto(pkt, (dst, 0))
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("timed out", file=sys.stderr)
            return 1
        s.settimeout(left)
        try:
            data, peer = s.recvfrom(2048)
        except OSError as e:
            print(e, file=sys.stderr)
            return 1
        ihl = (data[0] & 0x0F) * 4
        typ, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if typ == 0 and rid == ident and peer[0] == dst:
            return 0


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "tcp-serve":
        serve(socket.SOCK_STREAM, args[0], int(args[1]), args[2] if len(args) > 2 else "")
    elif mode == "udp-serve":
        serve(socket.SOCK_DGRAM, args[0], int(args[1]), args[2] if len(args) > 2 else "")
    elif mode in ("tcp-connect", "udp-send"):
        kind = socket.SOCK_STREAM if mode == "tcp-connect" else socket.SOCK_DGRAM
        src = args[3] if len(args) > 3 else None
        sport = int(args[4]) if len(args) > 4 else 0
        return client(kind, args[0], int(args[1]), float(args[2]), src, sport)
    elif mode == "ping":
        return ping(args[0], float(args[1]))
    else:
        print("unknown mode", mode, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A TCP server on 127.0.0.1 for the tcp check tests.

    tcp-server.py MODE
Binds a free port, prints it on one line once listening, and serves every
connection on its own thread until killed:
    banner  sends "HELLO heal\r\n"; then answers a line "PING" with
            "PONG\r\n" and any other line with "WHAT\r\n", and closes
    slow    as banner, after waiting 0.4 s before the banner
    silent  accepts and never sends anything, holding the connection
"""
import socket
import sys
import threading
import time

mode = sys.argv[1]


def serve(conn):
    try:
        if mode == "silent":
            while conn.recv(4096):
                pass
            return
        if mode == "slow":
            time.sleep(0.4)
        conn.sendall(b"HELLO heal\r\n")
        data = b""
        while b"\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        conn.sendall(b"PONG\r\n" if data.strip() == b"PING" else b"WHAT\r\n")
    except OSError:
        pass
    finally:
        conn.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()

"""A python3 http.server on 127.0.0.1:PORT serving hostile bodies and headers.

    /evil      500, a body of escapes, NUL, invalid UTF-8 and shell text
    /big       500, a 10 MB body in one line
    /json      200, JSON whose strings hold escapes and NUL
    /adjacent  200, two values without a separator (libjq 1.6 leaks on it)
"""
import http.server
import sys

EVIL = (b"\x1b[2J\x1b[31mERROR\x1b]0;owned\x07 nul\x00 bad \xff\xfe "
        b"$(touch /tmp/heal-pwned) `id` ; rm -rf / --foo ../../etc/passwd\r\n"
        b"No space left on device\n")
BIG = b"\x1b[31m" + b"x" * (10 * 1024 * 1024) + b"\n"
JSON = b'{"status": "\\u001b[31mUP\\u0000", "x": "\xff"}'


class Handler(http.server.BaseHTTPRequestHandler):
    def send(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/evil":
            self.send(500, EVIL)
        elif self.path == "/big":
            self.send(500, BIG)
        elif self.path == "/json":
            self.send(200, JSON)
        elif self.path == "/adjacent":
            self.send(200, b'["a" "b"]')
        else:
            self.send(404, b"no\n")

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

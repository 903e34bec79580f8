"""An SMTP relay with TLS and AUTH for the tests (tests/http/mail-tls.test.mjs), on Debian's
aiosmtpd (1.4.3):

    /usr/bin/python3 tests/smtp_tls_sink.py --mode starttls|smtps --port P --cert C --key K \\
        --dir D --user U --password PW [--host 127.0.0.1]

starttls: plain TCP; STARTTLS offered and required before anything but EHLO/HELO/NOOP/QUIT
          (530 otherwise), AUTH offered only after it.
smtps:    TLS from the first byte (implicit TLS, the smtps:// of port 465).
Either way AUTH PLAIN or LOGIN with exactly U and PW is required before MAIL (530 without it,
535 for other credentials). Accepted messages are written to D/NNNN.eml by smtp_sink.Sink (the
envelope in X-Sink-From / X-Sink-To first; D/REFUSE works as there). Prints "ready" on stdout
once it accepts connections; stops on SIGTERM or SIGINT."""
import argparse
import hmac
import logging
import os
import signal
import ssl
import sys
import threading
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from smtp_sink import Sink  # noqa: E402


class Authenticator:
    """Accepts AUTH PLAIN and LOGIN with one user name and password, nothing else (535)."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if mechanism not in ("PLAIN", "LOGIN") or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = hmac.compare_digest(auth_data.login, self.user) and hmac.compare_digest(auth_data.password, self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("starttls", "smtps"), required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    a = p.parse_args()
    # Errors (a client's failed TLS handshake) reach stderr; aiosmtpd's warnings about its own
    # deprecations and about the smtps configuration below do not.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(a.cert, a.key)
    common = dict(
        hostname=a.host,
        port=a.port,
        server_hostname="localhost",
        authenticator=Authenticator(a.user, a.password),
        auth_required=True,
    )
    if a.mode == "starttls":
        controller = Controller(Sink(a.dir), tls_context=tls, require_starttls=True, auth_require_tls=True, **common)
    else:
        # Implicit TLS: aiosmtpd only counts a STARTTLS as encryption, so auth_require_tls would
        # hide AUTH on a connection that is TLS from its first byte.
        controller = Controller(Sink(a.dir), ssl_context=tls, auth_require_tls=False, **common)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    controller.start()
    print("ready", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

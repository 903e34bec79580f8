"""An SMTP sink for the tests: `python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIR`
(PYTHONPATH=tests). Each accepted message is written to DIR/NNNN.eml (the envelope in
X-Sink-From / X-Sink-To lines first). While DIR/REFUSE exists every recipient is refused with
550, the answer a relay gives for an address it does not know — or, when the file holds "4",
with 450, a temporary refusal (a greylisting or busy relay)."""
import os
import itertools


class Sink:
    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.n = itertools.count(1)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("smtp_sink.Sink needs the directory to write messages to")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refuse = os.path.join(self.dir, "REFUSE")
        if os.path.exists(refuse):
            with open(refuse) as f:
                if f.read().strip() == "4":
                    return "450 4.2.1 <%s>: mailbox busy, try again later (sink told to defer)" % address
            return "550 5.1.1 <%s>: mailbox unavailable (sink told to refuse)" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.n)
        while os.path.exists(os.path.join(self.dir, "%04d.eml" % n)):
            n = next(self.n)
        head = "X-Sink-From: %s\r\nX-Sink-To: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))
        tmp = os.path.join(self.dir, ".%04d.tmp" % n)
        with open(tmp, "wb") as f:
            f.write(head.encode() + envelope.original_content)
        os.rename(tmp, os.path.join(self.dir, "%04d.eml" % n))
        return "250 2.0.0 Ok: queued as sink-%04d" % n

"""A slow SMTP relay for the reminder fault benchmark: accepts every message after a delay.

    python bench/slow_relay.py PORT DELAY_MS LOG_FILE

Each accepted message appends one line to LOG_FILE: the reminder ids it carried (the
X-Reminder-Ids header), so the benchmark counts what was received, twice or never.
"""

import asyncio
import sys
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller

HEADERS = BytesHeaderParser()


class SlowRelay:
    def __init__(self, delay: float, log):
        self.delay, self.log = delay, log

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)  # a relay that takes its time, like a busy council one
        ids = HEADERS.parsebytes(envelope.content)["X-Reminder-Ids"] or "-"
        self.log.write("".join(str(ids).split()) + "\n")
        self.log.flush()  # before "250": a message counted is a message accepted
        return "250 Message accepted for delivery"


def main() -> None:
    port, delay_ms, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    with open(path, "a") as log:
        controller = Controller(SlowRelay(delay_ms / 1000, log), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            asyncio.run(asyncio.Event().wait())
        finally:
            controller.stop()


if __name__ == "__main__":
    main()

"""A private Postfix instance on loopback that relays everything to a given SMTP port.

Runs from its own config, queue and data folders (`postfix -c DIR start`), so it never
touches the machine's own mail system. Needs root and Debian's `postfix` package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsletter.sink import free_port

MASTER_CF = """\
{listen} inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
proxywrite unix - - n -    1 proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
local     unix  - n n -    - local
virtual   unix  - n n -    - virtual
lmtp      unix  - - n -    - lmtp
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def main_cf(root: Path, relay_port: int) -> str:
    return f"""\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.example.net
mydomain = example.net
myorigin = example.net
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{relay_port}
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_dns_support_level = disabled
disable_dns_lookups = yes
maillog_file_prefixes = {root}
maillog_file = {root}/maillog
smtpd_recipient_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
"""


@contextmanager
def postfix_relay(relay_port: int, extra: str = "") -> Iterator[int]:
    """Start Postfix relaying to 127.0.0.1:`relay_port`; yields the port it listens on.
    `extra` is appended to its main.cf.

    Its folders live in a fresh directory under /tmp that the `postfix` user can reach
    (a pytest tmp_path sits below a root-only folder).
    """
    root = Path(tempfile.mkdtemp(prefix="newsletter-postfix-"))
    conf = root / "conf"
    conf.mkdir(parents=True)
    (root / "data").mkdir()
    (root / "queue").mkdir()
    port = free_port()
    (conf / "main.cf").write_text(main_cf(root, relay_port) + extra)
    (conf / "master.cf").write_text(MASTER_CF.format(listen=f"127.0.0.1:{port}"))
    shutil.chown(root / "data", "postfix")
    root.chmod(0o755)
    env = dict(os.environ, MAIL_CONFIG=str(conf))
    subprocess.run(
        ["postfix", "-c", str(conf), "start"], check=True, env=env, capture_output=True, timeout=60
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            import socket

            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield port
    finally:
        subprocess.run(
            ["postfix", "-c", str(conf), "stop"], env=env, capture_output=True, timeout=60
        )
        shutil.rmtree(root, ignore_errors=True)

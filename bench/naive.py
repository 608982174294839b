"""The baseline: the sender a first version would be.

Per subscriber it renders the Jinja2 templates, inlines the CSS, builds an
`email.message.EmailMessage` and sends it with `smtplib` over a new connection.
Same issue, same templates, same subscribers file as `newsletter send`.

    python bench/naive.py FOLDER PORT COUNT   # prints one JSON line: sent, seconds, bytes
"""

from __future__ import annotations

import json
import smtplib
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import common
import css_inline
import yaml

from newsletter.folder import Folder
from newsletter.i18n import Strings
from newsletter.issue import load_issue
from newsletter.render import Renderer
from newsletter.unsubscribe import load_secret, make_token, unsubscribe_url


def main(root: Path, port: int, count: int) -> dict[str, Any]:
    folder = Folder(root, root / "newsletter.yaml")
    issue = load_issue(folder, common.DAY)
    config, digest = issue.config, issue.digest
    env = Renderer(config, folder.templates_dir).env
    html_template = env.get_template("email.html.j2")
    text_template = env.get_template("email.txt.j2")
    secret = load_secret(config)
    strings = Strings.of(config.language)
    with open(folder.subscribers_path, encoding="utf-8") as file:
        people = yaml.safe_load(file)["subscribers"][:count]
    sent = size = 0
    started = time.perf_counter()
    for person in people:
        name = person.get("name") or ""
        link = unsubscribe_url(config, make_token(secret, config.list_id, person["email"]))
        context = {
            "config": config,
            "issue": digest,
            "subscriber": {"email": person["email"], "greeting": f"Hi {name.split(' ')[0]},"},
            "links": {
                "unsubscribe": link,
                "preferences": link,
                "archive": f"{config.site_url}/archive/{digest.date.isoformat()}",
                "subscribe": f"{config.site_url}/subscribe",
                "story": f"{config.site_url}/archive/{digest.date.isoformat()}#",
            },
            "t": strings,
            "language": strings.tag,
            "web": False,
            "accent": config.brand.color,
            "preheader": digest.subject,
            "editor_notes": [],
        }
        message = EmailMessage()
        message["From"] = f"{config.sender.name} <{config.sender.address}>"
        message["To"] = f"{name} <{person['email']}>"
        message["Subject"] = digest.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain=config.sender.domain)
        message["List-Unsubscribe"] = f"<{link}>"
        message.set_content(text_template.render(context))
        message.add_alternative(css_inline.inline(html_template.render(context)), subtype="html")
        data = message.as_bytes()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail(config.sender.address, [person["email"]], data)
        sent += 1
        size += len(data)
    seconds = time.perf_counter() - started
    return {"sent": sent, "seconds": seconds, "bytes": size // max(1, sent)}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))

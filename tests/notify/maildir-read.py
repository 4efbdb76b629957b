#!/usr/bin/python3
"""Prints the messages of a Maildir (as aiosmtpd's Mailbox handler writes
it) as one JSON array, decoded by Python's RFC 5322/MIME parser:
[{"to", "toAddr", "from", "fromAddr", "subject", "date", "dateOk",
  "messageId", "contentType", "body", "key", "raw"}], oldest first."""
import email
import email.policy
import email.utils
import json
import mailbox
import sys


def main():
    box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
    out = []
    for key in box.keys():
        with box.get_file(key) as f:
            raw = f.read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        date = msg.get("Date")
        try:
            date_ok = email.utils.parsedate_to_datetime(str(date)) is not None
        except (TypeError, ValueError):
            date_ok = False
        to = msg.get("To")
        frm = msg.get("From")
        out.append({
            "to": str(to) if to is not None else None,
            "toAddr": to.addresses[0].addr_spec if to is not None else None,
            "toName": to.addresses[0].display_name if to is not None else None,
            "from": str(frm) if frm is not None else None,
            "fromAddr": frm.addresses[0].addr_spec if frm is not None else None,
            "subject": str(msg.get("Subject")),
            "date": str(date),
            "dateOk": date_ok,
            "messageId": str(msg.get("Message-ID")),
            "contentType": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": msg.get_content(),
            "key": str(msg.get("X-Maitre-Message-Key")),
            "raw": raw.decode("utf-8", "replace"),
        })
    out.sort(key=lambda m: m["date"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

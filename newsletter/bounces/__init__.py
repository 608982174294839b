"""Bounces and complaints coming back: VERP addresses out, reports in, readers marked.

verp     the signed envelope sender of each message, and reading its token back
report   one returned message → a Finding (hard, soft, complaint, auto-reply, other)
mtas     what each mail server writes, as data
events   the events, recorded once each in the ledger's database
intake   findings → subscribers.yaml, by the rules of `bounces:` in newsletter.yaml
"""

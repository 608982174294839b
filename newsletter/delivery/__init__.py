"""Messages → delivery → ledger: the SMTP pool, retries, rate limits and the send ledger."""

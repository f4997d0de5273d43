"""The events service's use cases, one module per family: recording.py (record, value, check overlap and
grant), event_changes.py (edit, delete, confirm drafts), interruptions.py, approvals.py (over-limit decisions
and credits), corrections.py (correction requests), validity_clipping.py (clip to a voucher's or booking's
end), feedback.py, copayment.py (the co-payment breakdown) and month_jobs.py (the monthly auto-recording and
the reminder on the 1st). Each takes an EventsContext (context.py); no HTTP, no AMQP; never commits (except
month_jobs' scheduled runs, which open a transaction per tenant). Pure rules are in ``domain``, queries in
``repository``."""

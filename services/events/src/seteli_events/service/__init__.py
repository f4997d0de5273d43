"""The events service's use cases, one module per family: recording.py (record, value, check overlap and
grant), event_changes.py (edit, delete, confirm drafts), interruptions.py, approvals.py (over-limit decisions
and credits), corrections.py (correction requests), validity_clipping.py (clip to a voucher's or booking's
end), feedback.py, copayment.py (the co-payment breakdown), month_jobs.py (the monthly auto-recording and
the reminder before the provider deadline) and pending_work.py (the daily summary of each provider's pending
work). Each takes an EventsContext (context.py); no HTTP, no AMQP; never commits (except the scheduled runs
of month_jobs and pending_work, which open a transaction per tenant). Pure rules are in ``domain``, queries
in ``repository``."""

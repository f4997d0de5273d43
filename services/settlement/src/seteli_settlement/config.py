from pydantic import Field
from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class SettlementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SETTLEMENT_", extra="ignore")

    service_name: str = "settlement"
    # The API process also works the per-provider jobs of the runs it starts, so a single process
    # is a complete deployment; set false when dedicated `seteli_settlement.worker` processes run them.
    inline_jobs: bool = True
    # With inline_jobs the API process also keeps a background worker, which finishes jobs left over by
    # a crashed request (after their lease) and the jobs of scheduled runs.
    # The lock-and-send scheduler runs in worker processes; set true to run it in the API process too
    # (a single-process deployment). Alternatively call POST /v1/settlement/scheduler/run-due from cron.
    api_scheduler: bool = False
    # A claimed job not finished within the lease is taken over by another worker.
    job_lease_seconds: float = 60.0
    # A job that failed (or whose worker died) this many times is parked as failed, with its reason, and the run
    # completes paying the other providers; the failed provider's lines stay open for the next run. Each retry
    # waits for the lease (60 s), so 5 attempts ride out a transient cause of a few minutes (a deadlock, a
    # database or worker restart during a deploy), while bad data, which fails the same way every time, holds
    # the run (its payment file and the tenant's next run) for about five minutes, not for ever.
    job_max_attempts: int = Field(default=5, ge=1)
    # Workers wake on new work (in-process commit hook; PostgreSQL LISTEN/NOTIFY across processes): the
    # poll is the safety net for a lost notification and for jobs whose lease ran out.
    worker_poll_seconds: float = 30.0
    worker_scheduler: bool = True
    # How often a worker process checks whether a tenant's transfer day has come (lock and send).
    scheduler_interval_seconds: float = 600.0
    # Payment file version when none is asked for.
    pain_version: str = "pain.001.001.03"

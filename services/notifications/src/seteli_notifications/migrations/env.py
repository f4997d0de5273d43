from seteli_common.migrations import run_env
from seteli_notifications.models import metadata

run_env(metadata)

from seteli_applications.models import metadata
from seteli_common.migrations import run_env

run_env(metadata)

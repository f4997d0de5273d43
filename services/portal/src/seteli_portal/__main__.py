"""`python -m seteli_portal`: serve the portal on its own (distributed mode)."""

from __future__ import annotations

import argparse

import uvicorn
from seteli_common.config import NotConfigured

from .bootstrap import build_app
from .config import PortalSettings


def main() -> None:
    parser = argparse.ArgumentParser(prog="seteli_portal")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    try:
        app = build_app(PortalSettings())
    except NotConfigured as exc:  # e.g. the development session secret: say so and stop
        raise SystemExit(str(exc)) from None
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=True,
                loop="uvloop", http="httptools")


if __name__ == "__main__":
    main()

"""`tinygrad-lite serve`: OpenAI's HTTP API (FastAPI + uvicorn) over tinygrad_lite.api.

    app.py        routes, errors in OpenAI's shape, the API-key check
    scheduler.py  the one worker thread that runs the models, round-robin over active requests
    cli.py        `tinygrad-lite serve` and `tinygrad-lite complete`

FastAPI and uvicorn are imported only by create_app (the `serve` extra of pyproject.toml).
"""


def create_app(*args, **kwargs):
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)

"""The OpenAI wire format over HTTP, on FastAPI.

    GET  /v1/models, /v1/models/{id}, /v1/engines        the registered engines
    POST /v1/completions, /v1/chat/completions           stream=true → server-sent events, then `data: [DONE]`
    POST /v1/embeddings, /v1/images/generations
    POST /v1/engines/{engine}/completions                 openai 0.28's `Completion.create(engine=...)`
         (and .../chat/completions, .../embeddings)
    GET  /health                                          the worker's counters (no key needed)

A request is parsed here, validated and its prompt encoded by tinygrad_lite.api in a thread pool
(bad requests get 400 before they queue), then run by the Scheduler's worker thread, the one thread
that calls the models. An engine name the server does not know — including any filesystem path not
given on its command line — is answered by the default model of its kind, and the response's
`model` says which. Errors use OpenAI's shape {"error": {"message", "type", "param", "code"}}:
400 malformed JSON / bad parameters, 401 missing or wrong key, 404 unknown route (or no model of the
asked kind), 413 body over `max_body` bytes, 429 queue full (with Retry-After), 500 a model failure.
"""
import asyncio
import hmac
import json
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import api, engines
from .scheduler import Busy, Scheduler

KEEPALIVE_S = 5.0  # an SSE comment this often while a stream waits: a gone client shows up as a failed write
MAX_BODY = 4 << 20


class APIError(Exception):
    def __init__(self, status, message, type_="invalid_request_error", param=None, code=None, headers=None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type_, param, code
        self.headers = headers


def error_body(message, type_="invalid_request_error", param=None, code=None):
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error_response(status, message, type_="invalid_request_error", param=None, code=None, headers=None):
    return JSONResponse(error_body(message, type_, param, code), status_code=status, headers=headers)


class ApiKeyMiddleware:
    """Every /v1 request must carry `Authorization: Bearer KEY` (plain ASGI, so streams pass untouched)."""

    def __init__(self, app, api_key):
        self.app, self.expected = app, f"Bearer {api_key}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/v1"):
            auth = dict(scope["headers"]).get(b"authorization")
            if auth is None:
                msg = ("You didn't provide an API key. You need to provide your API key in an Authorization header "
                       "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
            elif not hmac.compare_digest(auth, self.expected):
                msg = "Incorrect API key provided."
            else:
                msg = None
            if msg is not None:
                await error_response(401, msg, code="invalid_api_key")(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _json_body(request, limit):
    size, parts = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise APIError(413, f"The request body is larger than {limit} bytes.")
        parts.append(chunk)
    try:
        body = json.loads(b"".join(parts))
    except (ValueError, UnicodeDecodeError):
        raise APIError(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                            "using your HTTP library correctly. The OpenAI API expects a JSON payload.)") from None
    if not isinstance(body, dict):
        raise APIError(400, "The request body must be a JSON object.")
    return body


def create_app(api_key=None, max_active=8, max_queued=64, max_body=MAX_BODY):
    """The FastAPI app. Engines and defaults come from tinygrad_lite.engines (register them first)."""
    scheduler = Scheduler(max_active=max_active, max_queued=max_queued)

    @asynccontextmanager
    async def lifespan(app):
        scheduler.start()
        try:
            yield
        finally:
            scheduler.stop()

    app = FastAPI(title="tinygrad_lite", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.scheduler = scheduler
    if api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=api_key)

    @app.exception_handler(APIError)
    async def _api_error(request, e):
        return error_response(e.status, e.message, e.type, e.param, e.code, e.headers)

    @app.exception_handler(api.InvalidRequestError)
    async def _invalid(request, e):
        return error_response(e.http_status, str(e), param=e.param, code=e.code)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, e):
        if e.status_code == 404:
            return error_response(404, f"Invalid URL ({request.method} {request.url.path})")
        return error_response(e.status_code, str(e.detail))

    @app.exception_handler(Exception)
    async def _internal(request, e):
        return error_response(500, f"The server had an error while processing your request: {e}", "server_error")

    async def run(request, prepare, body):
        job = await run_in_threadpool(prepare, body, fallback=True, allow_paths=False)
        try:
            ticket = scheduler.submit(job, asyncio.get_running_loop())
        except Busy as e:
            raise APIError(429, f"{e}; retry shortly", "requests", code="rate_limit_exceeded",
                           headers={"Retry-After": "1"}) from None
        if job.stream:
            return StreamingResponse(_events(ticket), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        try:
            while True:
                try:
                    kind, item = await asyncio.wait_for(ticket.queue.get(), timeout=0.5)
                except asyncio.TimeoutError:
                    if await request.is_disconnected():
                        raise APIError(499, "the client closed the request") from None
                    continue
                if kind == "done":
                    return JSONResponse(item)
                if kind == "error":
                    raise item
        finally:
            ticket.cancel()  # a no-op once done; frees the slot when the client left or we failed

    def sse(obj):
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    async def _events(ticket):
        try:
            while True:
                try:
                    items = [await asyncio.wait_for(ticket.queue.get(), timeout=KEEPALIVE_S)]
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                # with whatever else is ready, in one write: fewer sends when the worker runs ahead
                while items[-1][0] == "chunk" and not ticket.queue.empty() and len(items) < 64:
                    items.append(ticket.queue.get_nowait())
                out = []
                for kind, item in items:
                    if kind == "error":
                        status = getattr(item, "http_status", 500)
                        out.append(sse(error_body(str(item), "server_error" if status >= 500 else
                                                  "invalid_request_error")))
                    out.append(sse(item) if kind == "chunk" else "data: [DONE]\n\n")
                yield "".join(out)
                if items[-1][0] != "chunk":
                    return
        finally:
            ticket.cancel()

    def models_list(obj="model"):
        return {"object": "list", "data": [
            {"id": name, "object": obj, "created": 0, "owned_by": "tinygrad_lite", "kind": kind, "ready": True}
            for name, kind in sorted(engines.registered_engines().items())]}

    @app.get("/health")
    async def health():
        return {"status": "ok", "default_model": engines.default_engine("text"), **scheduler.status()}

    @app.get("/v1/models")
    async def list_models():
        return models_list()

    @app.get("/v1/engines")
    async def list_engines():
        return models_list("engine")

    @app.get("/v1/models/{model:path}")
    async def get_model(model: str):
        kind = engines.registered_engines().get(model)
        if kind is None:
            raise APIError(404, f"The model `{model}` does not exist", param="model", code="model_not_found")
        return {"id": model, "object": "model", "created": 0, "owned_by": "tinygrad_lite", "kind": kind}

    @app.post("/v1/completions")
    async def completions(request: Request):
        return await run(request, api.prepare_completion, await _json_body(request, max_body))

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        return await run(request, api.prepare_chat, await _json_body(request, max_body))

    @app.post("/v1/embeddings")
    async def embeddings(request: Request):
        return await run(request, api.prepare_embedding, await _json_body(request, max_body))

    @app.post("/v1/images/generations")
    async def images(request: Request):
        return await run(request, api.prepare_image, await _json_body(request, max_body))

    def legacy(prepare):
        async def route(engine: str, request: Request):
            body = await _json_body(request, max_body)
            body["model"] = engine  # the path names the engine (openai 0.28)
            body.pop("engine", None)
            return await run(request, prepare, body)
        return route

    # chat first: the completions pattern would also match ".../chat/completions" with engine="x/chat"
    app.post("/v1/engines/{engine:path}/chat/completions")(legacy(api.prepare_chat))
    app.post("/v1/engines/{engine:path}/completions")(legacy(api.prepare_completion))
    app.post("/v1/engines/{engine:path}/embeddings")(legacy(api.prepare_embedding))
    app.state.started = time.time()
    return app

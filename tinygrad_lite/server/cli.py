"""`tinygrad-lite serve` and `tinygrad-lite complete`.

    tinygrad-lite serve [--host 127.0.0.1] [--port 8000] [--model NAME|DIR] [--embedding-model NAME|DIR]
                        [--image-model NAME|DIR] [--api-key KEY] [--max-active 8] [--max-queued 64] [--threads T]
    tinygrad-lite complete [--engine NAME|DIR] [--max-tokens 64] [--temperature 0.7] [--top-p P] [--top-k K]
                           [-n N] [--stop S ...] [--seed S] [--chat] [--no-stream] "PROMPT"

The API key comes from --api-key or the environment variable TL_API_KEY (not OPENAI_API_KEY: a shell
that holds a real OpenAI key for its clients would otherwise lock its own local server with it).
Serving on anything but a loopback address without a key prints a warning.
"""
import argparse
import ipaddress
import os
import sys

from .. import engines

API_KEY_ENV = "TL_API_KEY"


def exposure_warning(host, api_key):
    """The warning to print when `host` is reachable from other machines and no key guards it."""
    if api_key:
        return None
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost may resolve to anything
        loopback = False
    if loopback:
        return None
    return (f"warning: serving on {host} without an API key: anyone who can reach this port can use the models. "
            f"Pass --api-key KEY or set {API_KEY_ENV}.")


def _serve_arguments(p):
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--model", default=engines.DEFAULT_TEXT_ENGINE,
                   help="text engine: a registered name or a checkpoint directory; unknown names in requests get it")
    p.add_argument("--embedding-model", default=None, help="embedding engine (default: the registered one, if any)")
    p.add_argument("--image-model", default=None, help="image engine (default: the registered one, if any)")
    p.add_argument("--api-key", default=None, help=f"require `Authorization: Bearer KEY` (or set {API_KEY_ENV})")
    p.add_argument("--max-active", type=int, default=8, help="requests decoded together, round-robin")
    p.add_argument("--max-queued", type=int, default=64, help="requests waiting; more get HTTP 429")
    p.add_argument("--threads", type=int, default=None, help="kernel threads (tinygrad_lite.set_num_threads)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])


def _complete_arguments(p):
    p.add_argument("prompt", help="the text to continue (with --chat: the user's message)")
    p.add_argument("--engine", "--model", dest="engine", default=engines.DEFAULT_TEXT_ENGINE,
                   help="a registered engine name or a checkpoint directory")
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--temperature", type=float, default=0.7, help="0 decodes greedily")
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("-n", type=int, default=1, help="number of completions")
    p.add_argument("--stop", action="append", default=None, help="a stop string (repeatable, at most 4)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--chat", action="store_true", help="apply the model's chat template")
    p.add_argument("--no-stream", action="store_true", help="print when done instead of token by token")
    p.add_argument("--threads", type=int, default=None)


def add_parser(sub):
    """Registers `serve` and `complete` with the tinygrad-lite command (tinygrad_lite/cli)."""
    s = sub.add_parser("serve", help="serve the OpenAI HTTP API (completions, chat, embeddings, images)",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _serve_arguments(s)
    s.set_defaults(run=serve)
    c = sub.add_parser("complete", help="complete a prompt on the command line",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _complete_arguments(c)
    c.set_defaults(run=complete)


def _use(name, kind):
    """Make `name` (a registered engine or a path) the default of `kind`."""
    if name in engines.registered_engines():
        engines.set_default_engine(kind, name)
    else:
        engines.register_path(name, kind=kind, default=True)


def serve(args):
    import tinygrad_lite

    if args.threads:
        tinygrad_lite.set_num_threads(args.threads)
    api_key = args.api_key or os.environ.get(API_KEY_ENV) or None
    try:
        for name, kind in ((args.model, "text"), (args.embedding_model, "embedding"), (args.image_model, "image")):
            if name is not None:
                _use(name, kind)
                print(f"loading {kind} model {name} ...", file=sys.stderr, flush=True)
                engines.load(name)
    except Exception as e:  # a missing or broken model: say so and do not start
        print(f"error: {e}", file=sys.stderr)
        return 1
    warning = exposure_warning(args.host, api_key)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    import uvicorn

    from .app import create_app

    app = create_app(api_key=api_key, max_active=args.max_active, max_queued=args.max_queued)
    print(f"serving {args.model} on http://{args.host}:{args.port}/v1", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=5)
    return 0


def complete(args):
    from .. import api

    if args.threads:
        import tinygrad_lite

        tinygrad_lite.set_num_threads(args.threads)
    stream = args.n == 1 and not args.no_stream
    common = dict(model=args.engine, max_tokens=args.max_tokens, temperature=args.temperature, top_p=args.top_p,
                  top_k=args.top_k, n=args.n, stop=args.stop, seed=args.seed, stream=stream)
    try:
        if args.chat:
            r = api.ChatCompletion.create(messages=[{"role": "user", "content": args.prompt}], **common)
        else:
            r = api.Completion.create(prompt=args.prompt, **common)
        if stream:
            for chunk in r:
                for c in chunk.choices:
                    piece = c.delta.get("content", "") if args.chat else c.text
                    sys.stdout.write(piece or "")
                    sys.stdout.flush()
            sys.stdout.write("\n")
            return 0
        for c in r.choices:
            if args.n > 1:
                print(f"--- {c.index} ({c.finish_reason})")
            print(c.message.content if args.chat else c.text)
        return 0
    except ValueError as e:  # InvalidRequestError is one
        print(f"error: {e}", file=sys.stderr)
        return 2


def main_serve(argv=None):
    p = argparse.ArgumentParser(prog="tinygrad-lite serve", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _serve_arguments(p)
    return serve(p.parse_args(argv))


def main_complete(argv=None):
    p = argparse.ArgumentParser(prog="tinygrad-lite complete", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _complete_arguments(p)
    return complete(p.parse_args(argv))

"""The `tinygrad-lite` command (also `python -m tinygrad_lite`). Each subcommand lives in its
own module here and registers itself with `add_parser(subparsers)`:

    tinygrad-lite train ...      train an image classifier (train.py)
    tinygrad-lite serve ...      the OpenAI HTTP API (tinygrad_lite/server/cli.py)
    tinygrad-lite complete ...   complete a prompt (tinygrad_lite/server/cli.py)
    tinygrad-lite gpt ...        train a character-level GPT, or sample from one (gpt.py)
    tinygrad-lite imagine ...    text to image on MNIST: train the pipeline, or sample a prompt (imagine.py)
    tinygrad-lite bert finetune  fine-tune a BERT checkpoint into a text classifier (bert.py)
"""
import argparse
import sys

from . import bert as _bert
from . import gpt as _gpt
from . import imagine as _imagine
from . import train as _train
from ..server import cli as _server
from .train import build_net  # noqa: F401  (the seed network, for scripts and tests)

_COMMANDS = (_train, _server, _gpt, _bert, _imagine)


def build_parser():
    parser = argparse.ArgumentParser(prog="tinygrad-lite", description="tinygrad_lite command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # a command that re-launches itself (train --ranks N) needs its own words
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

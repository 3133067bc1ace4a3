"""`tinygrad-lite bert`: fine-tune a BERT checkpoint into a text classifier.

    tinygrad-lite bert finetune --model DIR --out DIR [--data JSONL] [--epochs N] [--batch-size B] [--lr LR]
                                [--max-length T] [--limit-train N] [--limit-test N] [--max-steps N] ...

The defaults are the BBC News recipe of tinygrad_lite.models.bert_finetune (3 epochs, batch 16, AdamW lr 1e-4
with 10 % linear warm-up then linear decay, 128 tokens). DIR (--out) receives config.json (id2label = the label
names), model.safetensors, the tokenizer files, metrics.json and loss.png: BertForSequenceClassification and
BertTokenizer .from_pretrained read it, and so does transformers.
"""
import argparse
import sys


def add_parser(sub):
    from ..models.bert_finetune import DEFAULT_DATA, RECIPE  # a light module: no weights, no tokenizer loaded

    b = sub.add_parser("bert", help="fine-tune a BERT model directory into a text classifier")
    bsub = b.add_subparsers(dest="bert_command", required=True)
    p = bsub.add_parser("finetune", help="fine-tune a BERT directory on a labelled jsonl (BBC News by default)",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", required=True, help="Hugging Face model directory (or cached model name)")
    p.add_argument("--out", required=True, help="output directory for the fine-tuned model, metrics.json, loss.png")
    p.add_argument("--data", default=DEFAULT_DATA, help="a .jsonl(.gz) of {text, label, split} records")
    for name, kind in (("epochs", int), ("batch-size", int), ("lr", float), ("max-length", int),
                       ("weight-decay", float), ("warmup-ratio", float), ("seed", int)):
        p.add_argument(f"--{name}", type=kind, default=RECIPE[name.replace("-", "_")])
    p.add_argument("--threads", type=int, default=None, help="kernel threads (tinygrad_lite.set_num_threads)")
    p.add_argument("--limit-train", type=int, default=None, help="train on a random N of the training examples")
    p.add_argument("--limit-test", type=int, default=None, help="test on a random N of the test examples")
    p.add_argument("--max-steps", type=int, default=None, help="stop after N optimizer steps")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plot", action="store_true", help="no loss.png")
    p.set_defaults(run=finetune)


def finetune(a):
    """Run the recipe; a missing/broken model or data file is one line on stderr and exit status 2."""
    from ..models.bert_finetune import finetune as run

    try:
        m = run(a.model, a.out, data=a.data, epochs=a.epochs, batch_size=a.batch_size, lr=a.lr,
                max_length=a.max_length, weight_decay=a.weight_decay, warmup_ratio=a.warmup_ratio, seed=a.seed,
                threads=a.threads,
                limit_train=a.limit_train, limit_test=a.limit_test, max_steps=a.max_steps,
                progress=not a.no_progress, plot=not a.no_plot)
    except (OSError, ValueError) as e:
        print(f"tinygrad-lite bert finetune: error: {e}", file=sys.stderr)
        return 2
    print(f"test accuracy {100 * m['test_accuracy']:.2f}% on {m['n_test']} examples; saved to {a.out}")
    return 0

"""Small real models (engine ops, no fakes) behind the API and server tests:

- `bigram()`: the byte-level bigram LM fitted on a few sentences about exercise
- `SlowBigram`: the same, with a pause per model call, standing in for a model slow enough that
  clients can disconnect mid-stream and queues can fill
- `ByteBagEmbedder`: sentence embeddings = the normalised mean of per-byte vectors (embedding protocol)
- `NoiseImages`: images from the engine's seeded uniform generator, with one bright column per
  prompt word count (image protocol: generate_images(prompt, n, seed))
"""
import time

import numpy as np

import tinygrad_lite as tl
import tinygrad_lite.nn.functional as F
from tinygrad_lite.models.bigram import ByteBigramLM, ByteTokenizer

CORPUS = (
    "What are the benefits of exercise? Exercise makes the heart stronger, lifts the mood and helps you sleep. "
    "Regular exercise builds strength and keeps the weight in check.\n\n"
    "What is a good habit? Walking every day is a good habit: it is easy, it is free, and it is good for you.\n\n"
    "user: hello\nassistant: Hello! How can I help you today."
)


def bigram(max_context=1024):
    return ByteBigramLM.from_text(CORPUS, smoothing=1e-4, max_context=max_context)


class SlowBigram(ByteBigramLM):
    delay_s = 0.01

    def next_logits(self, new_ids, cache):
        time.sleep(self.delay_s)
        return super().next_logits(new_ids, cache)


def slow_bigram(delay_s=0.01):
    m = SlowBigram(1024)
    m.load_state_dict(bigram().state_dict())
    m.delay_s = delay_s
    return m.eval()


class ByteBagEmbedder:
    """encode(texts) -> (N, 16): mean of per-byte vectors, L2-normalised."""

    def __init__(self, dim=16, seed=0):
        self.tokenizer = ByteTokenizer()
        self.weight = tl.tensor(np.random.default_rng(seed).normal(size=(257, dim)).astype(np.float32))

    def encode(self, texts):
        rows = []
        for t in texts:
            v = F.embedding(tl.tensor(self.tokenizer.encode(t)), self.weight).mean(0)  # (dim,)
            rows.append(v / (v * v).sum().sqrt())
        return tl.stack(rows)


class NoiseImages:
    native = 28

    def generate_images(self, prompt, n, seed=None):
        if seed is not None:
            tl.manual_seed(seed)
        imgs = tl.rand(n, self.native, self.native).numpy()
        imgs[:, :, len(prompt.split()) % self.native] = 1.0
        return list(imgs)

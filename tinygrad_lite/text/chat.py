"""Chat templates: the Jinja programs Hugging Face tokenizers (and GGUF files) carry to turn a list
of messages into a model's prompt, rendered as transformers renders them — sandboxed, with
trim_blocks and lstrip_blocks, loop controls, `raise_exception(msg)`, `tojson` and
`strftime_now(fmt)` available."""
import functools
import json
import time


@functools.lru_cache(maxsize=16)
def compile_template(template):
    import jinja2
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals.update(raise_exception=raise_exception, strftime_now=lambda fmt: time.strftime(fmt))
    return env.from_string(template)


def render_chat_template(template, messages, add_generation_prompt=True, **kwargs):
    """The prompt text for `messages` ([{"role": ..., "content": ...}, ...]); add_generation_prompt
    ends it with the assistant's header, so the model continues as the assistant."""
    return compile_template(template).render(messages=list(messages), add_generation_prompt=add_generation_prompt,
                                             **kwargs)

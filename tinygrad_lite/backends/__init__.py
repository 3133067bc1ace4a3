"""torch.backends: the flags scripts commonly set or query (cudnn.benchmark, mps.is_available,
cuda.matmul.allow_tf32). They change nothing in this engine; they exist so such lines run."""


class _Flags:
    def __init__(self, **flags):
        self.__dict__.update(flags)


class _MPS:
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def is_built():
        return False


mps = _MPS()
cudnn = _Flags(benchmark=False, deterministic=False, enabled=True, allow_tf32=True,
               is_available=staticmethod(lambda: False), version=staticmethod(lambda: None))
cuda = _Flags(matmul=_Flags(allow_tf32=False, allow_fp16_reduced_precision_reduction=True))
mkldnn = _Flags(enabled=False, is_available=staticmethod(lambda: False))

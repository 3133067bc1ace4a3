"""Whether two arrays share memory, in torch's terms (aten/src/ATen/MemoryOverlap.cpp), so that an
in-place write whose source overlaps the destination raises as torch does instead of giving a
result that depends on the order the kernel visits the elements.

    status(a, b):  FULL     the same elements in the same layout (x.add_(x): fine, element-wise)
                   PARTIAL  some elements shared, others not, or the same range in another layout
                            (x.add_(x[0]), x.copy_(x.T), x[1:] = x[:-1]): torch raises
                   NO       disjoint, or empty
                   TOO_HARD one of them is not dense (gaps between its elements): torch lets it pass
"""
from . import dtypes as _dt

NO, FULL, PARTIAL, TOO_HARD = "no", "full", "partial", "too hard"

MESSAGE = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
           "memory location. Please clone() the tensor before performing the operation.")


def non_overlapping_and_dense(shape, strides):
    """The elements fill one gap-free block of memory, each at its own address (in some dim order)."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    dims = sorted(range(len(shape)), key=lambda d: (shape[d] < 2, strides[d]))  # size-1 dims last
    need = 1
    for d in dims:
        if shape[d] < 2:
            return True
        if strides[d] != need:
            return False
        need *= shape[d]
    return True


def status(a, b):
    """torch's get_overlap_status for two native Arrays."""
    if a is b:
        return FULL
    if a.numel == 0 or b.numel == 0:
        return NO
    if a.device != b.device or a.storage_ptr != b.storage_ptr:
        return NO
    if not non_overlapping_and_dense(a.shape, a.strides) or not non_overlapping_and_dense(b.shape, b.strides):
        return TOO_HARD
    a0, b0 = a.data_ptr, b.data_ptr
    a1 = a0 + a.numel * _dt.BY_CODE[a.dtype].itemsize
    b1 = b0 + b.numel * _dt.BY_CODE[b.dtype].itemsize
    if a0 == b0 and a1 == b1:
        return FULL if tuple(a.strides) == tuple(b.strides) else PARTIAL
    return PARTIAL if a0 < b1 and b0 < a1 else NO


def check_no_partial_overlap(dst, src, op):
    """torch's assert_no_partial_overlap (in-place ops and copy_): dst and src Arrays."""
    if status(dst, src) == PARTIAL:
        raise RuntimeError(f"{op}: {MESSAGE}")


def check_no_overlap(dst, src, op):
    """torch's assert_no_overlap (index_put_: even the same elements may not be both read and written)."""
    if status(dst, src) in (PARTIAL, FULL):
        raise RuntimeError(f"{op}: {MESSAGE}")

"""In-place writes, so that autograd never returns a wrong gradient after one.

Every in-place write to a tensor's memory (x.add_(y), x[i] = v, an optimizer step, ...)
calls `note_write(array, recorded)`: the global counter `epoch` advances and the array's
storage remembers it (`write_epoch`; and `graph_epoch` when the write was recorded in the
graph, i.e. done by autograd on a tensor that requires grad). A node stores the epoch at
its creation. The engine then checks, before running a node's backward:
  * a saved array whose storage was written after the node was made holds other values than
    the ones the derivative needs → RuntimeError (torch's "modified by an inplace operation");
  * a tensor used as input whose storage got recorded history after its own node was made,
    without the tensor itself being the one modified (a view of a modified base) → its node is
    stale → RuntimeError, instead of a gradient that misses the in-place op.
Creation costs one integer read per recorded node; the checks run only after a write.
"""
epoch = 0


def note_write(arr, recorded=False):
    """Record an in-place write to `arr`'s storage (recorded: it added graph history)."""
    global epoch
    epoch += 1
    arr.write_epoch = epoch
    if recorded:
        arr.graph_epoch = epoch


def check_saved(node):
    """Raise if an array `node` saved for its backward was overwritten after the node was made."""
    saved = getattr(node, "saved", None)  # a node that saved nothing never set the slot
    if not saved:
        return
    for a in saved:
        if a is not None and hasattr(a, "write_epoch") and a.write_epoch > node.epoch:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: an array of shape {tuple(a.shape)} saved by {node.name} was written after it was "
                f"saved. Hint: clone() it before the in-place op, or use the out-of-place version."
            )


def check_input(tensor, tensor_node, consumer):
    """Raise if `tensor` (whose node was `tensor_node` when `consumer` used it) got graph history
    through another alias of its memory in between: its node no longer describes its value."""
    g = tensor._data.graph_epoch
    if tensor_node.epoch < g <= consumer.epoch and tensor._ctx is tensor_node:
        raise RuntimeError(
            f"a tensor of shape {tuple(tensor.shape)} used by {consumer.name} is a view whose base was modified "
            f"in place by an op that autograd recorded; its gradient would miss that op. Take the view again "
            f"after the in-place op, or use out-of-place ops."
        )

"""tinygrad_lite.nn.functional: torch.nn.functional's names. What torch keeps only here —
losses, linear, embedding, dropout (and, as they come, convolution, pooling, normalisation,
attention) — is defined in this package; the activations and math it shares with torch.*
are re-exported from tinygrad_lite.functional, where each is defined once."""
from tinygrad_lite.functional.activation import (  # noqa: F401
    celu, celu_, elu, elu_, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, hardtanh_, leaky_relu,
    leaky_relu_, logsigmoid, mish, relu, relu6, relu_, selu, selu_, silu, softplus, softshrink, softsign,
    tanhshrink, threshold, threshold_,
)
from tinygrad_lite.functional.pointwise import sigmoid, tanh  # noqa: F401

from tinygrad_lite.functional.distance import cdist, cosine_similarity, pairwise_distance  # noqa: F401

from .attention import scaled_dot_product_attention  # noqa: F401
from .basic import (  # noqa: F401
    alpha_dropout, dropout, embedding, flatten, gumbel_softmax, linear, log_softmax, normalize, one_hot, prelu,
    rrelu, softmax, softmin,
)
from .layer_norm import layer_norm, rms_norm  # noqa: F401
from .loss import cross_entropy, l1_loss, mse_loss, nll_loss  # noqa: F401
from .loss_more import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss, gaussian_nll_loss,
    hinge_embedding_loss, huber_loss, kl_div, margin_ranking_loss, multi_margin_loss, multilabel_soft_margin_loss,
    poisson_nll_loss, smooth_l1_loss, soft_margin_loss, triplet_margin_loss,
)
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: F401
from .channel_dropout import dropout1d, dropout2d  # noqa: F401
from .normalization import batch_norm, group_norm, instance_norm  # noqa: F401
from .padding import pad  # noqa: F401
from .pooling import (  # noqa: F401
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, avg_pool2d,
    max_pool1d, max_pool2d, max_unpool1d, max_unpool2d,
)
from .vision import interpolate, pixel_shuffle, pixel_unshuffle, upsample  # noqa: F401

// Optimizer updates, in place, one pass over memory (torch.optim.SGD / Adam / AdamW math,
// single-tensor "foreach=False" path). Contiguous float arrays of equal shape and dtype.
#pragma once
#include <optional>

#include "../core/array.h"

namespace tl {

// g = ±grad (+ wd·p); if momentum: buf = g (first_step) or momentum·buf + (1−dampening)·g;
// g = g + momentum·buf (nesterov) or buf; p −= lr·g.
void sgd_step_(Array& param, const Array& grad, std::optional<Array> momentum_buf, double lr, double momentum,
               double dampening, double weight_decay, bool nesterov, bool maximize, bool first_step);

// g = ±grad; Adam: g += wd·p; AdamW (decoupled): p *= 1 − lr·wd;
// m = m + (1−β1)(g − m); v = β2·v + (1−β2)·g²;
// p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)   (t = step, 1-based)
void adam_step_(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, double lr, double beta1,
                double beta2, double eps, double weight_decay, bool decoupled_weight_decay, int64_t step,
                bool maximize);

}  // namespace tl

// stag: expressions as types; fused forward passes, symbolic derivatives and reverse-mode gradients.
#pragma once

#include <stag/version.hpp>
#include <stag/core/expr.hpp>
#include <stag/core/literals.hpp>
#include <stag/core/name.hpp>
#include <stag/core/op.hpp>
#include <stag/engine/bindings.hpp>
#include <stag/engine/check.hpp>
#include <stag/engine/derivative.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/higher_order.hpp>
#include <stag/engine/same.hpp>
#include <stag/engine/scan.hpp>
#include <stag/io/emit.hpp>
#include <stag/io/latex.hpp>
#include <stag/io/print.hpp>
#include <stag/io/trace.hpp>
#include <stag/ops/arithmetic.hpp>
#include <stag/ops/exponential.hpp>
#include <stag/ops/hyperbolic.hpp>
#include <stag/ops/piecewise.hpp>
#include <stag/ops/special.hpp>
#include <stag/ops/trigonometric.hpp>
#include <stag/tensor/tensor.hpp>
#include <stag/train/optimizers.hpp>

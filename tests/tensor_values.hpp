// Values for tensor tests: deterministic, irregular fillings, and moving along a direction.
#pragma once

#include <cmath>
#include <cstddef>

namespace stag_test {

/// A deterministic, irregular filling: no two elements alike, no element zero.
template <class X>
void fill(X& x, double phase) {
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.6 * std::sin(1.3 * double(i) + phase) + 0.05;
}
/// a + t * b, elementwise.
template <class X>
X moved(const X& a, double t, const X& b) {
    X out = a;
    for (std::size_t i = 0; i < a.size(); ++i) out.data()[i] = a.data()[i] + t * b.data()[i];
    return out;
}

}  // namespace stag_test

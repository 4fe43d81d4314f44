// A tensor op for tests that counts how often its value is computed: counted(a) is a, and every
// forward loop over it adds one to stag_test::counted_evaluations. It tells a value computed once
// per call (hoisted out of a loop over steps or rows) from one computed in every step or row.
#pragma once

#include <stag/stag.hpp>

#include <cstddef>

namespace stag_test {

inline std::size_t counted_evaluations = 0;

struct counted_op;
/// counted(a): the value of a, counted.
template <stag::expression A>
constexpr auto counted(const A& a) {
    return stag::make_node<counted_op>(a);
}
struct counted_op {
    static constexpr bool tensor_level = true;
    static constexpr stag::call notation{"counted"};
    template <class A>
    using shape = A;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N&) { return g; }
    template <class Sh, class S, class PA>
    static void forward(Sh, S* out, const PA* a) {
        ++counted_evaluations;
        for (std::size_t i = 0; i < Sh::out_count; ++i) out[i] = S(a[i]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    static void backward(Sh, S* to, const S* g, const S*, const PA*) {
        for (std::size_t i = 0; i < Sh::out_count; ++i) {
            if constexpr (Assign) to[i] = g[i];
            else to[i] += g[i];
        }
    }
};

}  // namespace stag_test

// A user's tensor-level op that states its forward loop but no backward loop: grad says which hook
// of the op contract is missing, once.
// expect: stag: a tensor-level op of the expression states no backward loop backward<J, Assign>(shapes, to, adjoint, value, args...) for one of its arguments
#include <stag/stag.hpp>

/// The elements in reverse order.
struct reversed_op {
    static constexpr bool tensor_level = true;
    static constexpr stag::call notation{"reversed"};
    template <class A>
    using shape = A;
    template <class Sh, class S, class PA>
    static constexpr void forward(Sh, S* out, const PA* a) {
        for (std::size_t e = 0; e < Sh::out_count; ++e) out[e] = S(a[Sh::out_count - 1 - e]);
    }
#ifndef STAG_SHOULD_FAIL
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        for (std::size_t e = 0; e < Sh::out_count; ++e) {
            if constexpr (Assign) to[Sh::out_count - 1 - e] = g[e];
            else to[Sh::out_count - 1 - e] += g[e];
        }
    }
#endif
};

int main() {
    constexpr auto v = stag::var<"v", stag::tensor<double, 3>>;
    const stag::tensor<double, 3> at{1.0, 2.0, 3.0};
    const auto f = stag::sum(stag::make_node<reversed_op>(v));
    (void)stag::eval(f, v = at);
    const auto g = stag::grad(stag::dot(stag::make_node<reversed_op>(v), v), v)(v = at);
    (void)g;
}

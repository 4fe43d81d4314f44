// A user's op that states no notation: make_node names the missing hook of the op contract.
// expect: stag: make_node<Op>: the op states no notation (stag::infix, stag::prefix or stag::call)
#include <stag/stag.hpp>

struct twice_op {
#ifndef STAG_SHOULD_FAIL
    static constexpr stag::call notation{"twice"};
#endif
    template <class A>
    static constexpr auto apply(const A& a) { return 2 * a; }
    template <std::size_t I, class A, class R>
    static constexpr auto partial(const A&, const R&) { return stag::c<2>; }
};

int main() {
    constexpr auto x = stag::var<"x">;
    const auto f = stag::make_node<twice_op>(x);
    (void)f;
}

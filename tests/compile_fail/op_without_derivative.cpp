// A user's op whose derivative rule is misspelt (partal for partial): the gradient says what the
// op contract asks for, once, instead of failing inside the engine.
// expect: stag: for some argument I an op of the expression states neither partial<I>(args..., result) nor adjoint<I>(seed, args..., result)
#include <stag/stag.hpp>

struct twice_op {
    static constexpr stag::call notation{"twice"};
    template <class A>
    static constexpr auto apply(const A& a) { return 2 * a; }
    template <std::size_t I, class A, class R>
#ifdef STAG_SHOULD_FAIL
    static constexpr auto partal(const A&, const R&) { return stag::c<2>; }
#else
    static constexpr auto partial(const A&, const R&) { return stag::c<2>; }
#endif
};

int main() {
    constexpr auto x = stag::var<"x">;
    const auto f = stag::make_node<twice_op>(x);
#ifdef STAG_SHOULD_FAIL
    static_assert(!stag::meets_op_contract<twice_op, 1>);  // the concept tells too
#else
    static_assert(stag::meets_op_contract<twice_op, 1>);
#endif
    (void)stag::grad(f, x)(x = 1.0);
}

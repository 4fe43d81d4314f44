// No heap allocation anywhere in a gradient, an evaluation or an optimizer step (the tensor issue):
// every global operator new of this executable counts its calls, and each call below must leave the
// count where it was. (stag allocates nothing on purpose: the slabs are std::arrays on the stack.)
// A scan keeps a slab per step: one allocation per call, none from a workspace.
#define BOOST_TEST_MODULE tensor_alloc
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {
std::size_t allocations = 0;

void* counted(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc{};
}
void* counted_aligned(std::size_t n, std::align_val_t a) {
    ++allocations;
    const std::size_t alignment = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(alignment, (n + alignment - 1) / alignment * alignment)) return p;
    throw std::bad_alloc{};
}
}  // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return ++allocations, std::malloc(n == 0 ? 1 : n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return ++allocations, std::malloc(n == 0 ? 1 : n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {
constexpr auto W1 = stag::var<"W1", stag::tensor<double, 64, 32>>;
constexpr auto b1 = stag::var<"b1", stag::tensor<double, 64>>;
constexpr auto W2 = stag::var<"W2", stag::tensor<double, 10, 64>>;
constexpr auto b2 = stag::var<"b2", stag::tensor<double, 10>>;
constexpr auto x = stag::var<"x", stag::tensor<double, 32>>;
constexpr auto label = stag::var<"label", int>;
constexpr auto logits = stag::matmul(W2, stag::tanh(stag::matmul(W1, x) + b1)) + b2;
constexpr auto loss = stag::cross_entropy(logits, label);

// Large enough to live outside the test's stack frame.
struct model {
    stag::tensor<double, 64, 32> w1{};
    stag::tensor<double, 64> v1{};
    stag::tensor<double, 10, 64> w2{};
    stag::tensor<double, 10> v2{};
    stag::tensor<double, 32> input{};
};
model m;
model grads;  // where into and accumulate_into write
}  // namespace

BOOST_AUTO_TEST_CASE(the_counter_counts) {
    const std::size_t before = allocations;
    // A call of ::operator new itself: the compiler may elide the allocation of a new-expression
    // (clang does), not this call.
    ::operator delete(::operator new(sizeof(double)));
    BOOST_TEST(allocations == before + 1);
}

BOOST_AUTO_TEST_CASE(gradient_evaluation_and_optimizer_step_do_not_allocate) {
    for (std::size_t i = 0; i < m.w1.size(); ++i) m.w1.data()[i] = 0.01 * double(i % 17) - 0.08;
    for (std::size_t i = 0; i < m.w2.size(); ++i) m.w2.data()[i] = 0.02 * double(i % 13) - 0.1;
    for (std::size_t i = 0; i < m.input.size(); ++i) m.input.data()[i] = 0.1 * double(i % 7);
    stag::adam opt(1e-3, m.w1, m.v1, m.w2, m.v2);
    constexpr auto s = stag::var<"s">;

    const std::size_t before = allocations;
    const auto r = stag::value_and_grad(loss, W1, b1, W2, b2)(W1 = m.w1, b1 = m.v1, W2 = m.w2, b2 = m.v2, x = m.input, label = 3);
    const double into_value = stag::value_and_grad(loss, W1, b1, W2, b2)
                                  .into(grads.w1, grads.v1, grads.w2, grads.v2)(W1 = m.w1, b1 = m.v1, W2 = m.w2, b2 = m.v2,
                                                                                x = m.input, label = 3);
    stag::grad(loss, W1, b1, W2, b2)
        .accumulate_into(grads.w1, grads.v1, grads.w2, grads.v2)(W1 = m.w1, b1 = m.v1, W2 = m.w2, b2 = m.v2, x = m.input,
                                                                 label = 4);
    const auto y = stag::eval(stag::softmax(logits), W1 = m.w1, b1 = m.v1, W2 = m.w2, b2 = m.v2, x = m.input);
    opt.step(r.grad[W1], r.grad[b1], r.grad[W2], r.grad[b2]);
    const auto scalar = stag::grad(stag::tanh(s * s) / s, s)(s = 0.5);
    const std::size_t after = allocations;

    BOOST_TEST(after == before);
    BOOST_TEST(r.value > 0.0);  // the results are used, so none of the calls above is dropped
    BOOST_TEST(y(3) > 0.0);
    BOOST_TEST(scalar[s] != 0.0);
    BOOST_TEST(into_value == r.value);
    BOOST_TEST(grads.w2(1, 5) != r.grad[W2](1, 5));  // label 4's gradient was added
}

BOOST_AUTO_TEST_CASE(a_workspace_serves_repeated_large_sweeps_without_allocating) {
    // Intermediates of 2 x 40 000 doubles, more than a sweep keeps on the stack: without a
    // workspace each call allocates its slabs (once, released at its end); with one, only the
    // first call does, and the results are the same.
    using big = stag::tensor<double, 200, 200>;
    constexpr auto A = stag::var<"A", big>;
    static big a, g1, g2;
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = 0.001 * double(i % 101) - 0.05;
    const auto f = stag::sum(stag::exp(A) * stag::sin(A) + stag::square(A));
    std::size_t before = allocations;
    const double plain = stag::value_and_grad(f, A).into(g1)(A = a);
    BOOST_TEST(allocations == before + 1);  // the slabs, in one allocation

    stag::workspace ws;
    const auto with_ws = stag::value_and_grad(f, A).into(g2).in(ws);
    double value = with_ws(A = a);
    before = allocations;
    for (int k = 0; k < 3; ++k) value = with_ws(A = a);
    const double v = stag::eval(ws, stag::sum(stag::exp(A) * stag::sin(A)), A = a);
    BOOST_TEST(allocations == before);
    const double v_plain = stag::eval(stag::sum(stag::exp(A) * stag::sin(A)), A = a);
    BOOST_TEST(ws.size() >= 2 * 4 * 40000 * sizeof(double));
    BOOST_TEST(value == plain);
    BOOST_TEST(v == v_plain);
    for (std::size_t i = 0; i < a.size(); i += 37) BOOST_TEST(g2.data()[i] == g1.data()[i]);
}

BOOST_AUTO_TEST_CASE(a_workspace_sized_by_workspace_bytes_never_allocates) {
    // stag::workspace_bytes(f), a constant expression, sizes a workspace up front: the first call
    // of each of eval, eval_into and value_and_grad already allocates nothing.
    using big = stag::tensor<double, 200, 200>;
    constexpr auto A = stag::var<"A", big>;
    constexpr auto f = stag::sum(stag::exp(A) * stag::sin(A) + stag::square(A));
    constexpr std::size_t need = stag::workspace_bytes(f);
    static_assert(need >= 2 * 40000 * sizeof(double));
    static_assert(stag::workspace_bytes<float>(f) == need / 2);
    static_assert(stag::workspace_bytes(stag::var<"u"> * stag::var<"v">) == 0);  // a number model: registers
    static big a, g;
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = 0.001 * double(i % 101) - 0.05;
    stag::workspace ws(need);
    BOOST_TEST(ws.size() == need);
    const std::size_t before = allocations;
    const double value = stag::value_and_grad(f, A).into(g).in(ws)(A = a);
    const double v = stag::eval(ws, f, A = a);
    static big e;
    stag::eval_into(ws, e, stag::exp(A) * stag::sin(A), A = a);
    BOOST_TEST(allocations == before);
    BOOST_TEST(ws.size() == need);
    BOOST_TEST(value == v, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(e.data()[7] == std::exp(a.data()[7]) * std::sin(a.data()[7]), boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(eval_into_writes_a_value_of_any_size_where_the_caller_keeps_it) {
    // A value of 1,000,000 doubles (8 MB, as large as the default stack): eval would return it by
    // value; eval_into writes it into the caller's storage, here on the heap, and with a workspace
    // allocates nothing once the workspace has grown.
    using big = stag::tensor<double, 1000, 50, 20>;
    constexpr auto A = stag::var<"A", big>;
    constexpr auto s = stag::var<"s">;
    const auto a = std::make_unique<big>();
    for (std::size_t i = 0; i < a->size(); ++i) a->data()[i] = 0.001 * double(i % 101) - 0.05;
    const auto f = stag::exp(A) * s + stag::square(A);
    const auto out = std::make_unique<big>();
    stag::workspace ws;
    stag::eval_into(ws, *out, f, A = *a, s = 2.0);
    const std::size_t before = allocations;
    stag::eval_into(ws, *out, f, A = *a, s = 0.5);
    BOOST_TEST(allocations == before);
    for (std::size_t i = 0; i < a->size(); i += 9973) {
        const double v = a->data()[i];
        BOOST_TEST(out->data()[i] == std::exp(v) * 0.5 + v * v, boost::test_tools::tolerance(1e-15));
    }
    // Into a std::span (its size checked at the call), a std::array, or a number.
    constexpr auto y = stag::var<"y", stag::tensor<double, 3>>;
    const stag::tensor<double, 3> yv{1.0, 2.0, 3.0};
    std::vector<double> held(3), wrong(4);
    stag::eval_into(std::span<double>(held), y * s, y = yv, s = 2.0);
    BOOST_TEST(held == (std::vector<double>{2.0, 4.0, 6.0}), boost::test_tools::per_element());
    BOOST_CHECK_EXCEPTION(stag::eval_into(std::span<double>(wrong), y * s, y = yv, s = 2.0), std::invalid_argument, [](const auto& e) {
        return std::string(e.what()) == "stag: eval_into(out, f, ...): out holds 4 numbers, f's value 3";
    });
    std::array<double, 3> arr{};
    stag::eval_into(arr, y + s, y = yv, s = 1.0);
    BOOST_TEST(arr[2] == 4.0);
    double total = 0;
    stag::eval_into(total, stag::sum(y) * s, y = yv, s = 3.0);
    BOOST_TEST(total == 18.0);
    // The destination may be a bound value: it is written after the sweep has read it.
    stag::tensor<double, 3> z = yv;
    stag::eval_into(z, y * y + y, y = z);
    BOOST_TEST(z(2) == 12.0);
}

BOOST_AUTO_TEST_CASE(a_scan_allocates_once_per_call_whatever_its_length_and_not_at_all_in_a_workspace) {
    // An Elman cell over 5 and over 500 steps: the steps' values (a slab per step) come from one
    // allocation per call, not one per step; from a workspace that has grown, from none.
    constexpr auto h = stag::var<"h", stag::tensor<double, 4>>;
    constexpr auto W = stag::var<"W", stag::tensor<double, 4, 4>>;
    constexpr auto in = stag::var<"in">;
    const auto next = stag::tanh(stag::matmul(W, h) + in);
    const auto loop = stag::scan(next, stag::sum(stag::square(next)), h, in);
    stag::tensor<double, 4, 4> w{};
    for (std::size_t i = 0; i < w.size(); ++i) w.data()[i] = 0.1 * double(i % 5) - 0.2;
    const stag::tensor<double, 4> h0{0.1, -0.2, 0.3, 0.4};
    std::vector<double> short_input(5), long_input(500);
    for (std::size_t t = 0; t < long_input.size(); ++t) long_input[t] = std::sin(0.1 * double(t));
    for (std::size_t t = 0; t < short_input.size(); ++t) short_input[t] = long_input[t];

    std::size_t before = allocations;
    const auto r5 = stag::value_and_grad(loop, W, h)(h = h0, W = w, stag::steps(in, short_input));
    const std::size_t per_short_call = allocations - before;
    before = allocations;
    const auto r500 = stag::value_and_grad(loop, W, h)(h = h0, W = w, stag::steps(in, long_input));
    BOOST_TEST(allocations - before == per_short_call);
    BOOST_TEST(per_short_call == 1u);
    before = allocations;
    const double e500 = stag::eval(loop, h = h0, W = w, stag::steps(in, long_input));
    BOOST_TEST(allocations - before == 1u);

    stag::workspace ws;
    const auto lent = loop.in(ws);
    const auto first = stag::value_and_grad(lent, W, h)(h = h0, W = w, stag::steps(in, long_input));
    before = allocations;
    const auto again = stag::value_and_grad(lent, W, h)(h = h0, W = w, stag::steps(in, long_input));
    const auto shorter = stag::value_and_grad(lent.checkpoint(10), W, h)(h = h0, W = w, stag::steps(in, short_input));
    const double e = stag::eval(lent, h = h0, W = w, stag::steps(in, long_input));
    BOOST_TEST(allocations == before);

    BOOST_TEST(r500.value == e500);
    BOOST_TEST(first.value == r500.value);
    BOOST_TEST(again.value == r500.value);
    BOOST_TEST(e == r500.value);
    BOOST_TEST(shorter.value == r5.value);
    for (std::size_t i = 0; i < 16; ++i) BOOST_TEST(again.grad[W].data()[i] == r500.grad[W].data()[i]);
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(shorter.grad[h](i) == r5.grad[h](i));
}

BOOST_AUTO_TEST_CASE(a_scan_over_a_weight_larger_than_the_stack) {
    // s' = tanh(0.001 (W s) + e) with W of 1100 x 1100 (9.7 MB, more than the default stack of
    // 8 MiB): the gradient's total over the steps is kept on the heap, or in the workspace, not on
    // the stack. Against the three steps written out; in a workspace that has grown, nothing is
    // allocated.
    constexpr std::size_t n = 1100;
    using Big = stag::tensor<double, n, n>;
    using vec = stag::tensor<double, n>;
    constexpr auto W = stag::var<"W", Big>;
    constexpr auto s = stag::var<"s", vec>;
    constexpr auto e = stag::var<"e", vec>;
    const auto step = [&](auto state, auto in) { return stag::tanh(stag::matmul(W, state) * 0.001 + in); };
    const auto loop = stag::scan(step(s, e), stag::sum(stag::square(step(s, e))), s, e);
    auto w = std::make_unique<Big>();
    for (std::size_t i = 0; i < w->size(); ++i) w->data()[i] = std::sin(0.37 * double(i));
    auto s0 = std::make_unique<vec>();
    std::vector<vec> es(3);
    for (std::size_t i = 0; i < n; ++i) {
        (*s0)(i) = 0.01 * double(i % 7);
        for (std::size_t t = 0; t < es.size(); ++t) es[t](i) = std::cos(0.1 * double(i) + 0.3 * double(t));
    }
    auto got = std::make_unique<Big>(), want = std::make_unique<Big>();
    const double v = stag::value_and_grad(loop, W).into(*got)(s = *s0, stag::steps(e, es), W = *w);
    constexpr auto e1 = stag::var<"e1", vec>;
    constexpr auto e2 = stag::var<"e2", vec>;
    constexpr auto e3 = stag::var<"e3", vec>;
    const auto s1 = step(s, e1);
    const auto s2 = step(s1, e2);
    const auto s3 = step(s2, e3);
    const auto unrolled = stag::sum(stag::square(s1)) + stag::sum(stag::square(s2)) + stag::sum(stag::square(s3));
    const double u = stag::value_and_grad(unrolled, W).into(*want)(s = *s0, e1 = es[0], e2 = es[1], e3 = es[2], W = *w);
    BOOST_TEST(v == u, boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < w->size(); i += 997) BOOST_TEST(got->data()[i] == want->data()[i], boost::test_tools::tolerance(1e-12));
    stag::workspace ws;
    (void)stag::value_and_grad(loop.in(ws), W).into(*got)(s = *s0, stag::steps(e, es), W = *w);
    const std::size_t before = allocations;
    const double again = stag::value_and_grad(loop.in(ws), W).into(*got)(s = *s0, stag::steps(e, es), W = *w);
    BOOST_TEST(allocations == before);
    BOOST_TEST(again == v);
}

BOOST_AUTO_TEST_CASE(a_scan_with_large_hoisted_values_allocates_nothing_in_a_workspace) {
    // s' = tanh(0.01 (s W^T) + e) over 150 units: the transpose of W (176 KiB, above the stack
    // threshold) is hoisted out of the steps and kept, with its adjoint, for the call. Without a
    // workspace they are allocations of their own, as are the sweeps that compute the transpose
    // and take its adjoint back; in a workspace that has grown, nothing is allocated, and the value
    // and the gradient are the same to the last bit.
    constexpr std::size_t n = 150;
    using Big = stag::tensor<double, n, n>;
    constexpr auto W = stag::var<"W", Big>;
    constexpr auto s = stag::var<"s", stag::tensor<double, n>>;
    constexpr auto e = stag::var<"e", stag::tensor<double, n>>;
    const auto next = stag::tanh(stag::matmul(s, stag::transpose(W)) * 0.01 + e);
    const auto loop = stag::scan(next, stag::sum(stag::square(next)), s, e);
    static_assert(!stag::detail::held<Big>::in_place);
    auto w = std::make_unique<Big>();
    for (std::size_t i = 0; i < w->size(); ++i) w->data()[i] = std::sin(0.37 * double(i));
    stag::tensor<double, n> s0{};
    std::vector<stag::tensor<double, n>> es(20);
    for (std::size_t t = 0; t < es.size(); ++t)
        for (std::size_t i = 0; i < n; ++i) es[t](i) = std::cos(0.1 * double(i) + 0.3 * double(t));
    for (std::size_t i = 0; i < n; ++i) s0(i) = 0.01 * double(i % 7);
    auto plain = std::make_unique<Big>(), lent = std::make_unique<Big>();
    std::size_t before = allocations;
    const double v = stag::value_and_grad(loop, W).into(*plain)(s = s0, stag::steps(e, es), W = *w);
    BOOST_TEST(allocations - before > 1u);
    stag::workspace ws;
    (void)stag::value_and_grad(loop.in(ws), W).into(*lent)(s = s0, stag::steps(e, es), W = *w);
    before = allocations;
    const double again = stag::value_and_grad(loop.in(ws), W).into(*lent)(s = s0, stag::steps(e, es), W = *w);
    const double value = stag::eval(loop.in(ws), s = s0, stag::steps(e, es), W = *w);
    BOOST_TEST(allocations == before);
    BOOST_TEST(again == v);
    BOOST_TEST(value == v);
    for (std::size_t i = 0; i < w->size(); ++i) BOOST_TEST_REQUIRE(lent->data()[i] == plain->data()[i]);
}

// GradBench's `det` eval with stag: the determinant of an ell x ell matrix A by expansion by minors
// (Laplace expansion along the first row, recursively), `primal`, and its gradient in A,
// `gradient`.
//
// ell is compiled in, for GradBench's default sizes (5 to 11). The expansion is written as a
// static graph in which every minor is computed once: the minors of size s are those of the last
// s rows and a set S of s columns, one vector per size s, and
//     M_s[S] = sum over the t-th column c of S of (-1)^t A[ell - s][c] M_(s-1)[S without c],
// which is sum<1>(signs * gather(row, columns) * gather(M_(s-1), subsets)) with constant tables
// of the columns, the smaller subsets and the signs. The determinant is M_ell of all columns.
// Computing each minor once makes this O(ell 2^ell) where the recursion GradBench's reference
// follows is O(ell!): the two are not the same work, so their times are not comparable.
#include "tool.hpp"

#include <stag/stag.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using gradbench_tool::input_error;
using gradbench_tool::json;

constexpr std::size_t choose(std::size_t n, std::size_t k) {
    std::size_t c = 1;
    for (std::size_t i = 0; i < k; ++i) c = c * (n - i) / (i + 1);
    return c;
}

/// The column subsets of {0, ..., L - 1}: each subset (a bit mask) has a position among those of
/// its size, in increasing order of the mask.
template <std::size_t L>
struct subsets {
    static constexpr std::array<std::size_t, (std::size_t{1} << L)> position = [] {
        std::array<std::size_t, (std::size_t{1} << L)> p{};
        std::array<std::size_t, L + 1> next{};
        for (std::size_t mask = 0; mask < p.size(); ++mask) p[mask] = next[std::popcount(mask)]++;
        return p;
    }();
    /// The tables of size S: for the p-th subset and its t-th column c (in increasing order), c,
    /// the position of the subset without c, and (-1)^t; each count(S) x S, row-major.
    template <std::size_t S>
    struct level {
        static constexpr std::size_t count = choose(L, S);
        struct tables {
            std::array<double, count * S> columns{}, smaller{}, signs{};
        };
        static constexpr tables of = [] {
            tables t{};
            for (std::size_t mask = 0; mask < (std::size_t{1} << L); ++mask) {
                if (std::size_t(std::popcount(mask)) != S) continue;
                std::size_t k = 0;
                for (std::size_t c = 0; c < L; ++c)
                    if (mask >> c & 1) {
                        const std::size_t at = position[mask] * S + k;
                        t.columns[at] = double(c);
                        t.smaller[at] = double(position[mask & ~(std::size_t{1} << c)]);
                        t.signs[at] = k % 2 == 0 ? 1.0 : -1.0;
                        ++k;
                    }
            }
            return t;
        }();
    };
};

/// A name with a number in it: "c7".
template <char Prefix, std::size_t S>
constexpr stag::fixed_string<4> name = [] {
    const char s[4] = {Prefix, char('0' + S / 10), char('0' + S % 10), 0};
    return stag::fixed_string<4>(s);
}();

template <std::size_t L>
struct model {
    using matrix = stag::tensor<double, L, L>;
    static constexpr auto A = stag::var<"A", matrix>;
    template <std::size_t S>
    using table = stag::tensor<double, subsets<L>::template level<S>::count, S>;
    template <std::size_t S>
    static constexpr auto columns = stag::var<name<'c', S>, table<S>>;
    template <std::size_t S>
    static constexpr auto smaller = stag::var<name<'m', S>, table<S>>;
    template <std::size_t S>
    static constexpr auto signs = stag::var<name<'s', S>, table<S>>;
    /// Row r of A, as a vector.
    template <std::size_t R>
    static constexpr auto row = stag::reshape<L>(stag::slice<0, R, R + 1>(A));
    /// The minors of size S.
    template <std::size_t S>
    static constexpr auto minors() {
        if constexpr (S == 1) return row<L - 1>;
        else return stag::sum<1>(signs<S> * stag::gather(row<L - S>, columns<S>) * stag::gather(minors<S - 1>(), smaller<S>));
    }
    static constexpr auto det = stag::sum(minors<L>());

    /// f(the bindings of A = a and of every table).
    template <class F>
    static auto with_bindings(const matrix& a, F f) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return f(A = a, (columns<I + 2> = subsets<L>::template level<I + 2>::of.columns)...,
                     (smaller<I + 2> = subsets<L>::template level<I + 2>::of.smaller)...,
                     (signs<I + 2> = subsets<L>::template level<I + 2>::of.signs)...);
        }(std::make_index_sequence<L - 1>{});
    }
};

template <std::size_t L>
struct problem {
    std::unique_ptr<typename model<L>::matrix> a = std::make_unique<typename model<L>::matrix>();
    explicit problem(const json& input) {
        const auto values = gradbench_tool::field<std::vector<double>>(input, "A");
        if (values.size() != L * L)
            throw input_error("det: A has " + std::to_string(values.size()) + " elements; ell = " + std::to_string(L) + " needs " +
                              std::to_string(L * L));
        std::copy(values.begin(), values.end(), a->data());
    }
};

template <std::size_t L>
struct primal_fn : problem<L> {
    double out = 0;
    stag::workspace ws;
    using problem<L>::problem;
    void run() {
        out = model<L>::with_bindings(*this->a, [&](const auto&... b) { return stag::eval(ws, model<L>::det, b...); });
    }
    double result() const { return out; }
};

template <std::size_t L>
struct gradient_fn : problem<L> {
    std::unique_ptr<typename model<L>::matrix> g = std::make_unique<typename model<L>::matrix>();
    stag::workspace ws;  // the sweep's intermediates, reused run after run
    using problem<L>::problem;
    void run() {
        model<L>::with_bindings(*this->a, [&](const auto&... b) { stag::grad(model<L>::det, model<L>::A).into(*g).in(ws)(b...); });
    }
    std::vector<double> result() const { return {g->data(), g->data() + L * L}; }
};

/// The prepared function Fn<ell> for the input's ell, or an input_error listing the sizes.
template <template <std::size_t> class Fn>
gradbench_tool::preparer by_size() {
    return [](const json& input) -> std::unique_ptr<gradbench_tool::prepared> {
        const long long ell = gradbench_tool::field<long long>(input, "ell");
        std::unique_ptr<gradbench_tool::prepared> made;
        [&]<std::size_t... L>(std::index_sequence<L...>) {
            ((ell == (long long)(L + 5) ? (void)(made = gradbench_tool::make<Fn<L + 5>>()(input)) : void()), ...);
        }(std::make_index_sequence<7>{});
        if (!made) throw input_error("det is compiled for ell from 5 to 11; the input has ell = " + std::to_string(ell));
        return made;
    };
}

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"primal", by_size<primal_fn>()}, {"gradient", by_size<gradient_fn>()}});
}

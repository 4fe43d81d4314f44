// The tensor engine: the same fused forward and backward sweeps as the scalar engine, over a graph
// whose nodes are tensors. Every node's elements sit at a compile-time offset of one flat slab
// (tensor/shape.hpp); a variable is read where it is bound and its adjoint is written straight into
// the gradient, so nothing is copied in or out and, unless the graph's values exceed
// stack_sweep_bytes, nothing is allocated.
//
// An elementwise op is lifted from its scalar rules: its forward step applies `Op::apply` (or the
// op's vectorisable `lane_apply`) to every element, and its backward step the same `chain_term` as
// the scalar engine, element by element, with a compile-time index map for an argument that is
// broadcast (which then receives the sum of the adjoints along the broadcast dimensions).
// Consecutive elementwise ops of one shape run as one loop ("fusion" below). A tensor-level op
// (matmul, sum, softmax, ...) states loops of its own (ops/tensor.hpp). The first push into an
// adjoint assigns instead of adding, so no adjoint is zeroed before the backward sweep, as
// hand-written backpropagation does it.
#pragma once

#include <stag/core/config.hpp>
#include <stag/detail/lanes.hpp>
#include <stag/engine/bindings.hpp>
#include <stag/engine/chain.hpp>
#include <stag/engine/sweep.hpp>
#include <stag/engine/tree_eval.hpp>
#include <stag/tensor/shape.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace stag {

/// Memory a caller lends to tensor sweeps whose intermediates do not fit on the stack, so that
/// repeated calls (a sum over data points, a loop over steps) reuse one buffer instead of
/// allocating and releasing it every call: `grad(f, w).into(g).in(ws)`, `eval(ws, f, bindings...)`.
/// It grows to the largest sweep it has served and keeps that size until it is destroyed; sized
/// up front with stag::workspace_bytes(f), it never grows for eval and grad of f. One workspace
/// serves one call at a time: give each thread its own.
class workspace {
public:
    workspace() = default;
    /// Room for `bytes` from the start (stag::workspace_bytes(f)), so that no call allocates.
    explicit workspace(std::size_t bytes) : buffer_(std::make_unique_for_overwrite<std::byte[]>(bytes + line)), size_(bytes) {}
    workspace(const workspace&) = delete;
    workspace& operator=(const workspace&) = delete;
    /// Room for at least `count` numbers of type S (uninitialised), valid until the next request,
    /// starting at a 64-byte boundary (a cache line, as the sweeps' slab layout assumes).
    template <class S>
    S* numbers(std::size_t count) {
        static_assert(std::is_trivially_default_constructible_v<S> && std::is_trivially_destructible_v<S> &&
                          alignof(S) <= line,
                      "stag: workspace: the sweep's number type must be a plain number type");
        const std::size_t bytes = count * sizeof(S);
        if (bytes > size_) {
            buffer_ = std::make_unique_for_overwrite<std::byte[]>(bytes + line);  // (make_unique would zero it)
            size_ = bytes;
        }
        const auto at = reinterpret_cast<std::uintptr_t>(buffer_.get());
        return reinterpret_cast<S*>(buffer_.get() + (line - at % line) % line);
    }
    /// The bytes it holds now (in the buffer that `numbers` lends).
    std::size_t size() const noexcept { return size_; }

    /// Room for `bytes` (uninitialised, from a 64-byte boundary) in block `index`, apart from the
    /// buffer that `numbers` lends and from every other block, valid until the next request for
    /// that block: what a call keeps beside its sweeps (a loop's hoisted values and their
    /// adjoints, engine/hoist.hpp). Each block grows to the largest request it has served.
    std::byte* block(std::size_t index, std::size_t bytes) {
        if (blocks_.size() <= index) blocks_.resize(index + 1);
        held_block& b = blocks_[index];
        if (bytes > b.size) {
            b.data = std::make_unique_for_overwrite<std::byte[]>(bytes + line);
            b.size = bytes;
        }
        const auto at = reinterpret_cast<std::uintptr_t>(b.data.get());
        return b.data.get() + (line - at % line) % line;
    }

private:
    static constexpr std::size_t line = 64;
    struct held_block {
        std::unique_ptr<std::byte[]> data;
        std::size_t size = 0;
    };
    std::unique_ptr<std::byte[]> buffer_;
    std::size_t size_ = 0;
    std::vector<held_block> blocks_;
};

namespace detail {

/// Whether a tensor-level op states its forward loop, and its backward loop for argument J, for
/// these shapes and pointer types (the tensor sweep's stag: errors ask).
template <class Op, class Sh, class S, class... P>
inline constexpr bool states_forward = requires(S* out, P... args) { Op::forward(Sh{}, out, args...); };
template <class Op, std::size_t J, bool Assign, class Sh, class S, class... P>
inline constexpr bool states_backward = requires(S* to, const S* g, P... args) { Op::template backward<J, Assign>(Sh{}, to, g, g, args...); };

/// Where a sweep keeps its values (and adjoints): Slabs x N numbers of type S, on the stack while
/// each slab fits in stack_sweep_bytes, otherwise in the caller's workspace if the call has one,
/// or else in one heap allocation per sweep, released when it ends (a model with megabytes of
/// intermediates then does not overflow a thread's stack).
inline constexpr std::size_t stack_sweep_bytes = 128 * 1024;
/// Each slab starts at a multiple of slab_alignment numbers, on the stack at a 64-byte boundary,
/// as layout's offsets assume (a cache line of doubles).
template <class S, std::size_t N, std::size_t Slabs, bool OnStack = N * sizeof(S) <= stack_sweep_bytes>
struct sweep_storage {
    static constexpr std::size_t stride = aligned_up(N);
    alignas(alignof(S) > 64 ? alignof(S) : 64) std::array<S, stride * Slabs> on_stack;
    constexpr explicit sweep_storage(workspace*) noexcept {}
    constexpr S* slab(std::size_t i) noexcept { return on_stack.data() + i * stride; }
};
template <class S, std::size_t N, std::size_t Slabs>
struct sweep_storage<S, N, Slabs, false> {
    static constexpr std::size_t stride = aligned_up(N);
    S* owned = nullptr;
    S* base;
    /// Its own allocation, from a 64-byte boundary in it where numbers of type S can start there (at
    /// compile time, where pointers have no address, from its start).
    constexpr S* allocate() {
        constexpr std::size_t pad = (64 + sizeof(S) - 1) / sizeof(S);
        owned = new S[stride * Slabs + pad];
        if (std::is_constant_evaluated() || 64 % sizeof(S) != 0) return owned;
        const auto at = reinterpret_cast<std::uintptr_t>(owned);
        return owned + (64 - at % 64) % 64 / sizeof(S);
    }
    constexpr explicit sweep_storage(workspace* ws) : base(ws ? ws->template numbers<S>(stride * Slabs) : allocate()) {}
    sweep_storage(const sweep_storage&) = delete;
    sweep_storage& operator=(const sweep_storage&) = delete;
    constexpr ~sweep_storage() { delete[] owned; }
    constexpr S* slab(std::size_t i) noexcept { return base + i * stride; }
};

/// Whether gradient storage G adds the gradient to what it holds (gradient_into's accumulate)
/// rather than overwriting it.
template <class G>
inline constexpr bool accumulates = requires { requires G::accumulate; };

/// The elements of a bound value or a gradient: a tensor's (or std::array's, std::span's), or the
/// number itself (const or not, as the value is).
template <class T>
[[gnu::always_inline]] constexpr auto* elements_of(T& value) noexcept {
    if constexpr (requires { value.data(); }) return value.data();
    else return &value;
}

inline constexpr std::size_t no_writer = ~std::size_t{0};
/// For each node, which push of the backward sweep reaches its adjoint first: node i's argument j
/// is `(C + 1) * i + j`, C the largest arity the node records hold. That push assigns; the later
/// ones add. A node whose adjoint the caller seeds before the sweep (`seeded`) has none: every push
/// into it adds; nor has a view's source (`source`), which its readers reach piece by piece: the
/// sweep zeroes it first. A view pushes nothing itself.
template <std::size_t N, std::size_t C>
constexpr std::array<std::size_t, N> first_writers(const std::array<graph::node_info<C>, N>& nodes, const std::array<bool, N>& active,
                                                   const std::array<bool, N>& reached, const std::array<bool, N>& seeded,
                                                   const std::array<bool, N>& view, const std::array<bool, N>& source) noexcept {
    std::array<std::size_t, N> w{};
    for (auto& x : w) x = no_writer;
    for (std::size_t i = N; i-- > 0;) {
        if (!reached[i] || nodes[i].piecewise_constant || view[i]) continue;
        for (std::size_t j = 0; j < nodes[i].arity; ++j) {
            const std::size_t c = nodes[i].child[j];
            if (active[c] && !seeded[c] && !source[c] && w[c] == no_writer) w[c] = (C + 1) * i + j;
        }
    }
    return w;
}
/// The nodes whose adjoints a sweep's caller seeds (graph::seeded_activity); none by default.
template <class Act, std::size_t N>
constexpr std::array<bool, N> seeded_nodes() noexcept {
    if constexpr (requires { Act::seeded; }) return Act::seeded;
    else return {};
}
/// The nodes some node of the backward sweep pushes into (the sweep's root, and a node the
/// caller seeds, may have none).
template <std::size_t N, std::size_t C>
constexpr std::array<bool, N> pushed_into(const std::array<graph::node_info<C>, N>& nodes, const std::array<bool, N>& reached) noexcept {
    std::array<bool, N> r{};
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; reached[i] && !nodes[i].piecewise_constant && j < nodes[i].arity; ++j) r[nodes[i].child[j]] = true;
    return r;
}
template <class List, class Act>
struct pushed_nodes {
    static constexpr auto of = pushed_into(graph::info<List>::nodes, Act::reached);
};
// ---- which values a backward sweep reads ---------------------------------------------------------
// An elementwise op's push into argument J is chain_term<Op, J>(seed, args..., result): built over
// placeholders instead of numbers, its type says which of the arguments and the result it reads
// (a sum reads none, a product the other factor, exp its result). A forward sweep that a backward
// sweep follows stores what the backward sweep reads, and what later loops read; the rest of its
// loops' values stay in registers, as in a lean sweep.

/// Placeholder K of an op's term: argument K, or the result (K = arity), or the seed.
template <std::size_t K>
using term_placeholder = var_t<boost::hana::string<'@', char('0' + K / 10), char('0' + K % 10)>, double>;
/// Whether expression E mentions the leaf X.
template <class E, class X, class P = pattern_t<E>>
struct mentions : std::is_same<E, X> {};
template <class E, class X, class Op, class... Args>
struct mentions<E, X, expr_base<Op, Args...>> : std::bool_constant<(mentions<Args, X>::value || ...)> {};
/// What Op's push into argument J reads: argument K for K < Arity, its result for K = Arity.
template <class Op, std::size_t J, std::size_t Arity, class Seq = std::make_index_sequence<Arity>>
struct term_reads;
template <class Op, std::size_t J, std::size_t Arity, std::size_t... K>
struct term_reads<Op, J, Arity, std::index_sequence<K...>> {
    using term = decltype(chain_term<Op, J>(term_placeholder<99>{}, term_placeholder<K>{}..., term_placeholder<Arity>{}));
    static constexpr std::array<bool, Arity + 1> of{mentions<term, term_placeholder<K>>::value..., mentions<term, term_placeholder<Arity>>::value};
};

/// Whether the backward sweep (activity Act) reads node c's value: an elementwise op's push that
/// reads it (through a view, its sources), or a tensor-level op's (which reads its arguments and
/// its own value).
template <class List, class Act, class Pack = List>
struct values_read;
template <class List, class Act, class... Ks>
struct values_read<List, Act, graph::node_list<Ks...>> {
    static constexpr std::size_t n = sizeof...(Ks);
    using facts = graph::info<List>;
    template <std::size_t I>
    using node = graph::node_t<graph::type_at<I, List>>;
    /// Node I's own reads: for each K <= arity, whether some push of I reads it.
    template <std::size_t I>
    static constexpr std::array<bool, facts::capacity + 1> reads_of() {
        std::array<bool, facts::capacity + 1> r{};
        if constexpr (graph::node_traits<node<I>>::kind == graph::node_kind::op) {
            constexpr std::size_t arity = facts::nodes[I].arity;
            if constexpr (!Act::reached[I] || facts::nodes[I].piecewise_constant || views<List>::view[I]) {
            } else if constexpr (tensor_level_op<typename node<I>::op>) {
                for (std::size_t k = 0; k <= arity; ++k) r[k] = true;
            } else
                [&]<std::size_t... J>(std::index_sequence<J...>) {
                    auto add = [&]<std::size_t Jj>(std::integral_constant<std::size_t, Jj>) {
                        if constexpr (Act::active[facts::nodes[I].child[Jj]])
                            for (std::size_t k = 0; k <= arity; ++k) r[k] = r[k] || term_reads<typename node<I>::op, Jj, arity>::of[k];
                    };
                    (add(std::integral_constant<std::size_t, J>{}), ...);
                }(std::make_index_sequence<arity>{});
        }
        return r;
    }
    static constexpr std::array<bool, n> of = [] {
        std::array<bool, n> r{};
        const auto reads = []<std::size_t... I>(std::index_sequence<I...>) {
            return std::array<std::array<bool, facts::capacity + 1>, n>{reads_of<I>()...};
        }(std::make_index_sequence<n>{});
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t arity = facts::nodes[i].arity;
            if (reads[i][arity]) r[i] = true;
            for (std::size_t k = 0; k < arity; ++k) {
                if (!reads[i][k]) continue;
                const std::size_t c = facts::nodes[i].child[k];
                r[c] = true;
                if constexpr (views<List>::any)
                    for (const window_piece& q : views<List>::plan.pieces_of(c)) r[q.arg] = true;
            }
        }
        return r;
    }();
};

/// Which values a forward sweep stores (beyond those later loops read): all of them, none (eval's
/// lean sweep), or those the backward sweep of activity Act reads.
struct store_all {};
struct store_none {};
template <class Act>
struct store_for {};

template <class List, class Act>
struct writers {
    static constexpr auto first = first_writers(graph::info<List>::nodes, Act::active, Act::reached, seeded_nodes<Act, List::size>(),
                                                views<List>::view, views<List>::source);
};

// ---- fusion of elementwise ops --------------------------------------------------------------------
// A run of elementwise ops of one shape, one after the other in topological order, is one loop over
// the elements instead of one loop per op: each op's element is computed while its arguments'
// elements are still in registers, and each pass through memory costs once. Leaves, elementwise
// ops of one element and views may sit in the run: they depend on nothing of the run's shape, so
// they are computed before its loop (and, going backward, after it, in their order); a view
// computes nothing. An op that reads a view is always in a run (one of its own if need be), whose
// loop goes piece by piece (the views' pieces split it into stretches, each reading every view
// from one source at one offset), and a run ends before an op that reads, through a view, a node
// of its own loop: that element may not be computed yet.

/// How a node takes part in a run: it ends one (0: a tensor-level op), it may sit in one (1: a
/// leaf, an elementwise op of one element, or a view), or it is one of the run's loop (2).
template <class N, bool Op = graph::node_traits<N>::kind == graph::node_kind::op>
struct fusion_role : std::integral_constant<int, 1> {};
template <class N>
struct fusion_role<N, true>
    : std::integral_constant<int, tensor_level_op<typename N::op> ? 0 : shape_count<node_shape_t<N>>::value == 1 ? 1 : 2> {};

/// A shape as a value: its rank, then its dimensions (rank 8 at most here).
using shape_key = std::array<std::size_t, 9>;
template <std::size_t... D>
constexpr shape_key key_of(std::index_sequence<D...> dims) noexcept {
    // dims.size(), not sizeof...(D): CUDA's front end hands g++ this function with the pack renamed
    // in its parameter but not in a sizeof... ("parameter packs not expanded").
    static_assert(dims.size() <= 8, "stag: tensors of rank above 8 are not supported");
    return {dims.size(), D...};
}

template <std::size_t N>
struct runs {
    std::array<std::size_t, N> first{};  ///< each node's run: the index of its first node, or N for none
    std::array<std::size_t, N> end{};    ///< for the first node of a run: one past its last node
    std::array<bool, N> wide{};          ///< the nodes of a run's loop
};
/// What each node reads through views: 0 nothing; 1 views whose sources are none of them in a
/// run's loop (role 2); s + 2 views of which the latest such source is node s.
template <std::size_t N, std::size_t C>
constexpr std::array<std::size_t, N> view_reads(const std::array<graph::node_info<C>, N>& nodes, const view_plan<N>& plan,
                                                const std::array<int, N>& role) noexcept {
    std::array<std::size_t, N> r{};
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < nodes[i].arity; ++j) {
            const std::size_t c = nodes[i].child[j];
            if (!plan.view[c]) continue;
            r[i] = std::max<std::size_t>(r[i], 1);
            for (const window_piece& q : plan.pieces_of(c))
                if (role[q.arg] == 2) r[i] = std::max(r[i], q.arg + 2);
        }
    return r;
}

/// The runs of a node list: maximal, with at least two ops of the run's shape (one alone is no run)
/// or one that reads a view.
template <std::size_t N>
constexpr runs<N> find_runs(const std::array<int, N>& role, const std::array<shape_key, N>& keys, const std::array<std::size_t, N>& reads) noexcept {
    runs<N> r{};
    for (auto& f : r.first) f = N;
    for (std::size_t i = 0; i < N;) {
        std::size_t j = i, loop = 0;
        bool through_view = false;
        shape_key shape{};
        for (; j < N && role[j] != 0; ++j) {
            if (role[j] != 2) continue;
            if (loop == 0) shape = keys[j];
            else if (keys[j] != shape || (reads[j] >= 2 && reads[j] - 2 >= i)) break;
            through_view = through_view || reads[j] > 0;
            ++loop;
        }
        if (loop >= 2 || through_view) {
            r.end[i] = j;
            for (std::size_t k = i; k < j; ++k) {
                r.first[k] = i;
                r.wide[k] = role[k] == 2;
            }
        }
        i = j > i ? j : i + 1;
    }
    return r;
}
template <class List, class Pack = List>
struct fusion;
template <class List, class... Ks>
struct fusion<List, graph::node_list<Ks...>> {
    static constexpr std::size_t n = sizeof...(Ks);
    using V = views<List>;
    static constexpr std::array<int, n> role = [] {
        std::array<int, n> r{fusion_role<graph::node_t<Ks>>::value...};
        for (std::size_t i = 0; i < n; ++i)
            if (V::view[i]) r[i] = 1;
        return r;
    }();
    static constexpr std::array<std::size_t, n> reads = [] {
        if constexpr (V::any) return view_reads(graph::info<List>::nodes, V::plan, role);
        else return std::array<std::size_t, n>{};
    }();
    static constexpr auto of = find_runs<n>(role, {key_of(node_shape_t<graph::node_t<Ks>>{})...}, reads);
    /// The nodes of a run's loop whose only users are later nodes of that loop (not the root): a
    /// forward sweep that no backward sweep follows (eval) keeps them in registers, not the slab.
    static constexpr std::array<bool, n> local = [] {
        std::array<bool, n> r{};
        std::array<bool, n> outside{};
        outside[n - 1] = true;
        const auto& nodes = graph::info<List>::nodes;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < nodes[i].arity; ++j) {
                const std::size_t c = nodes[i].child[j];
                if (!of.wide[i] || of.first[i] != of.first[c]) outside[c] = true;
            }
        for (std::size_t i = 0; i < n; ++i) r[i] = of.wide[i] && !outside[i];
        return r;
    }();
};

/// Where a loop over elements 0 .. Count - 1 that reads views changes pieces: the ascending
/// boundaries at[0] = 0 < ... < at[n - 1] = Count.
struct loop_bounds {
    static constexpr std::size_t most = 64;
    std::array<std::size_t, most> at{};
    std::size_t n = 0;
    constexpr void add(std::size_t b) noexcept {
        std::size_t k = 0;
        while (k < n && at[k] < b) ++k;
        if (k < n && at[k] == b) return;
        if (n == most) {  // (not a constant expression: the static_assert in loop_pieces says so)
            n = most + 1;
            return;
        }
        for (std::size_t m = n; m > k; --m) at[m] = at[m - 1];
        at[k] = b;
        ++n;
    }
};

/// No gradient: what eval's pass carries.
struct no_gradient {};

/// One pass over a tensor graph: the slabs, the bindings, the run-time constants, the gradient.
template <class S, class List, class Env, class G = no_gradient>
struct tensor_pass {
    using L = layout<List>;
    using facts = graph::info<List>;
    template <std::size_t I>
    using node = graph::node_t<graph::type_at<I, List>>;
    template <std::size_t I>
    using shape = node_shape_t<node<I>>;

    S* v;
    S* adj;
    const Env& env;
    G* g;
    const S* lits;

    using views_of = views<List>;
    template <std::size_t I>
    static constexpr bool is_view = views_of::view[I];

    /// The elements of node I: where its binding is for a variable, in the slab otherwise.
    template <std::size_t I>
    [[gnu::always_inline]] constexpr const auto* value() const noexcept {
        static_assert(!is_view<I>, "stag: internal: a view has no elements of its own");
        if constexpr (variable<node<I>>) return elements_of(env.template lookup<node<I>>());
        else return static_cast<const S*>(v + L::offset[I]);
    }
    /// Whether node I's value is a boolean: a comparison's (an elementwise piecewise-constant op;
    /// a tensor-level one, a mask or logsumexp's shift, computes numbers).
    template <std::size_t I>
    static constexpr bool boolean = [] {
        if constexpr (facts::nodes[I].piecewise_constant) return !tensor_level_op<typename node<I>::op>;
        else return false;
    }();
    /// Element e of node I as its op's argument: a boolean for a comparison (stored as 0 or 1).
    template <std::size_t I>
    [[gnu::always_inline]] constexpr auto read(std::size_t e) const noexcept {
        if constexpr (boolean<I>) return v[L::offset[I] + e] != S(0);
        else return static_cast<S>(value<I>()[e]);
    }
    static constexpr std::size_t no_run = ~std::size_t{0};
    /// Argument K of node I at its element e, in the stretch of a loop that starts at element B:
    /// through the view's piece there for a view, broadcast if need be otherwise. In a lean loop
    /// (eval's) over the run that starts at node First, an argument of the loop is in `here`, and a
    /// one-element argument from outside the loop in `fixed` (fixed_args).
    template <std::size_t I, std::size_t K, std::size_t B, std::size_t First = no_run>
    [[gnu::always_inline]] constexpr auto arg_at(std::size_t e, const S* here = nullptr, const S* fixed = nullptr) const noexcept {
        constexpr std::size_t c = facts::nodes[I].child[K];
        if constexpr (First != no_run && c >= First && runs::of.wide[c]) {
            if constexpr (boolean<c>) return here[c - First] != S(0);
            else return here[c - First];
        } else if constexpr (fixed_slot<First>(c) != no_slot)
            return fixed[fixed_slot<First>(c)];
        else if constexpr (is_view<c>) {
            constexpr window_piece p = views_of::piece_at(c, B);
            return read<p.arg>(e - p.begin + p.from);
        } else
            return read<c>(broadcast_at<shape<c>, shape<I>>(e));
    }
    /// The stretches of a loop over the elements of the nodes First .. End - 1 of a run (those of its
    /// loop): where a view that one of them reads changes pieces.
    template <std::size_t First, std::size_t End>
    static constexpr loop_bounds loop_pieces() noexcept {
        loop_bounds b;
        b.add(0);
        for (std::size_t i = First; i < End; ++i) {
            if (!runs::of.wide[i]) continue;
            b.add(L::count[i]);
            if constexpr (views_of::any)
                for (std::size_t j = 0; j < facts::nodes[i].arity; ++j) {
                    for (const window_piece& q : views_of::plan.pieces_of(facts::nodes[i].child[j])) {
                        b.add(q.begin);
                        b.add(q.end);
                    }
                }
        }
        return b;
    }
    /// Body(std::integral_constant<B>, std::integral_constant<E>) for each stretch B .. E - 1 of the
    /// loop of nodes First .. End - 1.
    template <std::size_t First, std::size_t End, class Body>
    [[gnu::always_inline]] static constexpr void for_each_stretch(Body body) {
        constexpr loop_bounds b = loop_pieces<First, End>();
        static_assert(b.n <= loop_bounds::most, "stag: the views (slices, concats) one fused loop reads have more than 63 pieces in all");
        [&]<std::size_t... P>(std::index_sequence<P...>) {
            (body(std::integral_constant<std::size_t, b.at[P]>{}, std::integral_constant<std::size_t, b.at[P + 1]>{}), ...);
        }(std::make_index_sequence<b.n - 1>{});
    }

    /// The adjoint of node I: in the gradient for a variable, in the slab otherwise.
    template <std::size_t I>
    [[gnu::always_inline]] constexpr S* adjoint() const noexcept {
        if constexpr (variable<node<I>>) return elements_of(g->template get<G::template index_of<node<I>>>());
        else return adj + L::offset[I];
    }

    // ---- forward ----------------------------------------------------------------------------------
    /// Element e of the elementwise op node I, from its arguments' elements: by the op's
    /// vectorisable form where it states one (lane_apply) and the loop fills vectors
    /// (detail::lane_loop, lanes.hpp), by its value rule otherwise. (In constant expressions,
    /// where the standard library's functions may not be called, the vectorisable form always.)
    template <std::size_t I, std::size_t B, std::size_t First = no_run, std::size_t... J>
    [[gnu::always_inline]] constexpr S element(std::size_t e, std::index_sequence<J...>, const S* here = nullptr, const S* fixed = nullptr) const {
        using Op = typename node<I>::op;
        if constexpr (requires { Op::lane_apply(arg_at<I, J, B, First>(e, here, fixed)...); }) {
            if constexpr (!lane_loop<S>(L::count[I]))
                if (!std::is_constant_evaluated()) return static_cast<S>(Op::apply(arg_at<I, J, B, First>(e, here, fixed)...));
            return static_cast<S>(Op::lane_apply(arg_at<I, J, B, First>(e, here, fixed)...));
        } else
            return static_cast<S>(Op::apply(arg_at<I, J, B, First>(e, here, fixed)...));
    }
    template <std::size_t I, std::size_t... J>
    [[gnu::always_inline]] constexpr void forward_op(std::index_sequence<J...> args) const {
        using Op = typename node<I>::op;
        S* out = v + L::offset[I];
        if constexpr (tensor_level_op<Op>) {
            using Sh = shapes<shape<I>, shape<facts::nodes[I].child[J]>...>;
            constexpr bool stated = states_forward<Op, Sh, S, decltype(value<facts::nodes[I].child[J]>())...>;
            static_assert(stated, "stag: a tensor-level op of the expression states no forward loop forward(shapes, out, args...)");
            if constexpr (stated) Op::forward(Sh{}, out, value<facts::nodes[I].child[J]>()...);
        } else
            for (std::size_t e = 0; e < L::count[I]; ++e) out[e] = element<I, 0>(e, args);
    }
    template <std::size_t I>
    [[gnu::always_inline]] constexpr void forward() const {
        using N = node<I>;
        constexpr auto kind = graph::node_traits<N>::kind;
        if constexpr (is_view<I>) return;  // read in place
        else if constexpr (kind == graph::node_kind::constant) v[L::offset[I]] = N::template value<S>();
        else if constexpr (kind == graph::node_kind::literal) {
            static_assert(!is_tensor<decltype(N::value)>, "stag: a tensor constant in an expression is not supported; bind it to a variable");
            v[L::offset[I]] = lits[graph::literal_facts<List>::position[I]];
        } else if constexpr (kind == graph::node_kind::op)
            forward_op<I>(std::make_index_sequence<facts::nodes[I].arity>{});
    }

    using runs = fusion<List>;
    /// The one-element arguments that the loop of the run starting at node First reads (numbers,
    /// and one-element tensors, not computed in the loop): the loop reads them from locals filled
    /// before it. Read from the slab, g++ reloads them every iteration (a store to the slab might
    /// change them, for all it knows), in the loop's latch, and then gives up on vectorising the
    /// loop ("latch block not empty"): ode's Runge-Kutta step ran element by element.
    static constexpr std::size_t no_slot = ~std::size_t{0};
    template <std::size_t First>
    struct fixed_args {
        /// Whether the loop reads node c as a one-element argument of its own.
        static constexpr bool taken(std::size_t c) noexcept {
            return L::count[c] == 1 && !views_of::view[c] && !(c >= First && runs::of.wide[c]) && !facts::nodes[c].piecewise_constant;
        }
        /// Each node's slot among the loop's fixed arguments (ascending by node), or `no_slot`.
        static constexpr auto slots = [] {
            std::array<std::size_t, List::size> r{};
            std::array<bool, List::size> read{};
            for (std::size_t i = First; i < runs::of.end[First]; ++i)
                if (runs::of.wide[i])
                    for (std::size_t j = 0; j < facts::nodes[i].arity; ++j) read[facts::nodes[i].child[j]] = true;
            std::size_t k = 0;
            for (std::size_t c = 0; c < List::size; ++c) r[c] = read[c] && taken(c) ? k++ : no_slot;
            return r;
        }();
        static constexpr std::size_t n = [] {
            std::size_t k = 0;
            for (std::size_t c : slots) k += c != no_slot;
            return k;
        }();
        /// The fixed arguments, by slot.
        static constexpr auto nodes = [] {
            std::array<std::size_t, n> r{};
            for (std::size_t c = 0; c < List::size; ++c)
                if (slots[c] != no_slot) r[slots[c]] = c;
            return r;
        }();
    };
    /// Node c's slot among the fixed arguments of the loop of the run that starts at node
    /// First, or no_slot (also where no run is named).
    template <std::size_t First>
    static constexpr std::size_t fixed_slot(std::size_t c) noexcept {
        if constexpr (First == no_run) return no_slot;
        else return fixed_args<First>::slots[c];
    }
    /// The values of the fixed arguments of the run that starts at node First, by slot.
    template <std::size_t First>
    [[gnu::always_inline]] constexpr auto fixed_values() const {
        return [&]<std::size_t... F>(std::index_sequence<F...>) {
            return std::array<S, sizeof...(F)>{static_cast<S>(read<fixed_args<First>::nodes[F]>(0))...};
        }(std::make_index_sequence<fixed_args<First>::n>{});
    }
    /// Whether a forward sweep that stores Store keeps node I's values in the slab.
    template <std::size_t I, class Store>
    static constexpr bool kept() noexcept {
        if constexpr (!runs::local[I] || std::is_same_v<Store, store_all>) return true;
        else if constexpr (std::is_same_v<Store, store_none>) return false;
        else return []<class Act>(store_for<Act>*) { return values_read<List, Act>::of[I]; }(static_cast<Store*>(nullptr));
    }
    /// The run that starts at node First, nodes First + K: the nodes outside its loop in order, then
    /// its loop: its elements in `here`, those kept stored (all, where Store is store_all).
    template <class Store, std::size_t First, std::size_t... K>
    [[gnu::always_inline]] constexpr void forward_run(std::index_sequence<K...>) const {
        (forward_outside_loop<First + K>(), ...);
        const auto fixed = fixed_values<First>();
        for_each_stretch<First, First + sizeof...(K)>([&]<std::size_t B, std::size_t E>(std::integral_constant<std::size_t, B>, std::integral_constant<std::size_t, E>) {
            STAG_INDEPENDENT_ITERATIONS
            for (std::size_t e = B; e < E; ++e) {
                S here[sizeof...(K)];  // the loop's elements e (the compiler keeps them in registers)
                (loop_element<First, First + K, B, Store>(e, here, fixed.data()), ...);
            }
        });
    }
    template <std::size_t First, std::size_t I, std::size_t B, class Store>
    [[gnu::always_inline]] constexpr void loop_element(std::size_t e, S* here, const S* fixed) const {
        if constexpr (runs::of.wide[I]) {
            here[I - First] = element<I, B, First>(e, std::make_index_sequence<facts::nodes[I].arity>{}, here, fixed);
            if constexpr (kept<I, Store>()) v[L::offset[I] + e] = here[I - First];
        }
    }
    template <std::size_t I>
    [[gnu::always_inline]] constexpr void forward_outside_loop() const {
        if constexpr (!runs::of.wide[I]) forward<I>();
    }
    template <std::size_t I, class Store>
    [[gnu::always_inline]] constexpr void forward_step() const {
        if constexpr (runs::of.first[I] == I) forward_run<Store, I>(std::make_index_sequence<runs::of.end[I] - I>{});
        else if constexpr (runs::of.first[I] == List::size) forward<I>();
    }

    // ---- backward ---------------------------------------------------------------------------------
    /// The push of node I's adjoint into its argument J (an elementwise op).
    template <std::size_t I, std::size_t J, bool Assign, std::size_t... K>
    [[gnu::always_inline]] constexpr void push_elementwise(std::index_sequence<K...>) const {
        constexpr std::size_t c = facts::nodes[I].child[J];
        using In = shape<c>;
        const S* seed = adj + L::offset[I];
        S* a = adjoint<c>();
        // (term reads only what the push uses: the forward sweep may not have stored the rest. No
        // argument of an op pushed here is a view: an op that reads one is in a run, and pushes
        // through it there.)
        auto term = [&](std::size_t e) { return this->template term<I, J, 0>(e, std::index_sequence<K...>{}, seed[e]); };
        if constexpr (std::is_same_v<In, shape<I>>) {
            for (std::size_t e = 0; e < L::count[I]; ++e) {
                if constexpr (Assign) a[e] = term(e);
                else a[e] += term(e);
            }
        } else if constexpr (shape_count<In>::value == 1) {
            const S sum = sum_of<S, L::count[I]>(term);
            if constexpr (Assign) a[0] = sum;
            else a[0] += sum;
        } else {
            if constexpr (Assign)
                for (std::size_t e = 0; e < shape_count<In>::value; ++e) a[e] = S(0);
            for (std::size_t e = 0; e < L::count[I]; ++e) a[broadcast_at<In, shape<I>>(e)] += term(e);
        }
    }
    /// d node I / d argument J at element e, times node I's adjoint there (an elementwise op), in the
    /// stretch of a loop that starts at element B.
    template <std::size_t I, std::size_t J, std::size_t B, std::size_t... K>
    [[gnu::always_inline]] constexpr S term(std::size_t e, std::index_sequence<K...> args) const {
        return term<I, J, B>(e, args, adj[L::offset[I] + e]);
    }
    /// The same with node I's adjoint at e given (`seed`).
    template <std::size_t I, std::size_t J, std::size_t B, std::size_t... K>
    [[gnu::always_inline]] constexpr S term(std::size_t e, std::index_sequence<K...>, S seed) const {
        using Op = typename node<I>::op;
        using reads = term_reads<Op, J, sizeof...(K)>;
        const auto local = chain_term<Op, J>(lit_t<S>{seed}, lit_t<decltype(arg_at<I, K, B>(0))>{read_if<I, K, B, reads::of[K]>(e)}...,
                                             lit_t<S>{reads::of[sizeof...(K)] ? v[L::offset[I] + e] : S{}});
        // The ops' vectorisable forms where the forward loop uses them (element, above).
        if constexpr (!lane_loop<S>(L::count[I]))
            if (!std::is_constant_evaluated()) return static_cast<S>(chain_value<S, false>(local));
        return static_cast<S>(chain_value<S, true>(local));
    }
    /// Argument K of node I at e where the term reads it; a zero it does not use otherwise (the
    /// forward sweep may not have stored it).
    template <std::size_t I, std::size_t K, std::size_t B, bool Reads>
    [[gnu::always_inline]] constexpr auto read_if(std::size_t e) const noexcept {
        if constexpr (Reads) return arg_at<I, K, B>(e);
        else return decltype(arg_at<I, K, B>(e)){};
    }
    /// Whether node I pushes its adjoint into argument J element by element (same shape, not a
    /// view): inside a run's loop. Its other pushes come after the loop.
    template <std::size_t I, class Act, std::size_t J>
    static constexpr bool pushes_in_loop = Act::active[facts::nodes[I].child[J]] && !is_view<facts::nodes[I].child[J]> &&
                                           std::is_same_v<shape<facts::nodes[I].child[J]>, shape<I>>;
    /// Whether node I's push through argument J, a view, is the only push of its run's loop into
    /// each of the view's sources. It is then made in the loop; otherwise in a loop of its own after
    /// it, since two pushes into one source at different elements (y(e) and y(e - 1)) would keep
    /// the run's loop from being vectorised.
    template <std::size_t I, std::size_t J>
    static constexpr bool alone_in_loop() noexcept {
        constexpr std::size_t c = facts::nodes[I].child[J];
        const std::size_t first = runs::of.first[I], end = runs::of.end[first];
        auto reads = [](std::size_t d, std::size_t s) {
            if (d == s) return true;
            for (const window_piece& q : views_of::plan.pieces_of(d))
                if (q.arg == s) return true;
            return false;
        };
        for (const window_piece& source : views_of::plan.pieces_of(c))
            for (std::size_t i = first; i < end; ++i)
                for (std::size_t j = 0; runs::of.wide[i] && j < facts::nodes[i].arity; ++j)
                    if ((i != I || j != J) && reads(facts::nodes[i].child[j], source.arg)) return false;
        return true;
    }
    template <std::size_t I, class Act>
    static constexpr bool steps = graph::node_traits<node<I>>::kind == graph::node_kind::op && Act::reached[I] &&
                                  !facts::nodes[I].piecewise_constant && !is_view<I>;
    /// Whether node I's adjoint lives in its run's loop only (in a register, as in a lean forward
    /// sweep): every user is a later node of the loop (runs::local), the caller does not seed it,
    /// and it makes all its pushes in the loop.
    template <std::size_t I, class Act>
    static constexpr bool adjoint_local() noexcept {
        if constexpr (!runs::local[I] || seeded_nodes<Act, List::size>()[I]) return false;
        else
            return []<std::size_t... J>(std::index_sequence<J...>) {
                return ((!Act::active[facts::nodes[I].child[J]] || pushes_in_loop<I, Act, J> ||
                         (is_view<facts::nodes[I].child[J]> && alone_in_loop<I, J>())) &&
                        ...);
            }(std::make_index_sequence<facts::nodes[I].arity>{});
    }

    /// Whether node I's push into argument J is the first write to that adjoint, which assigns
    /// rather than adds; never where the adjoint is a variable's gradient that accumulates.
    template <std::size_t I, std::size_t J, class Act>
    static constexpr bool first_write = writers<List, Act>::first[facts::nodes[I].child[J]] == (facts::capacity + 1) * I + J &&
                                        !(accumulates<G> && variable<node<facts::nodes[I].child[J]>>);

    /// Node I's pushes at element e of its run's loop (the run starting at node First; `here`: the
    /// adjoints at e that live in the loop only).
    template <std::size_t I, class Act, std::size_t B, std::size_t First, std::size_t... J>
    [[gnu::always_inline]] constexpr void push_element(std::size_t e, S* here, std::index_sequence<J...>) const {
        if constexpr (runs::of.wide[I] && steps<I, Act>) {
            S seed;
            if constexpr (adjoint_local<I, Act>()) seed = here[I - First];
            else seed = adj[L::offset[I] + e];
            (push_at<I, Act, J, B, First>(e, here, seed), ...);
        }
    }
    template <std::size_t I, class Act, std::size_t J, std::size_t B, std::size_t First>
    [[gnu::always_inline]] constexpr void push_at(std::size_t e, S* here, S seed) const {
        constexpr std::size_t c = facts::nodes[I].child[J];
        if constexpr (is_view<c>) {
            if constexpr (Act::active[c] && alone_in_loop<I, J>()) {
                constexpr window_piece p = views_of::piece_at(c, B);
                if constexpr (Act::active[p.arg])
                    adjoint<p.arg>()[e - p.begin + p.from] += term<I, J, B>(e, std::make_index_sequence<facts::nodes[I].arity>{}, seed);
            }
        } else if constexpr (pushes_in_loop<I, Act, J>) {
            const S t = term<I, J, B>(e, std::make_index_sequence<facts::nodes[I].arity>{}, seed);
            S& a = [&]() -> S& {
                if constexpr (adjoint_local<c, Act>()) return here[c - First];
                else return adjoint<c>()[e];
            }();
            if constexpr (first_write<I, J, Act>) a = t;
            else a += t;
        }
    }
    /// After a run's loop, node I's remaining work: its pushes into arguments of other shapes, or,
    /// for a node outside the loop, its backward step.
    template <std::size_t I, class Act, std::size_t... J>
    [[gnu::always_inline]] constexpr void after_loop(std::index_sequence<J...>) const {
        if constexpr (!runs::of.wide[I]) backward<I, Act>();
        else if constexpr (steps<I, Act>) (push_after_loop<I, Act, J>(), ...);
    }
    template <std::size_t I, class Act, std::size_t J>
    [[gnu::always_inline]] constexpr void push_after_loop() const {
        if constexpr (is_view<facts::nodes[I].child[J]>) {
            if constexpr (!alone_in_loop<I, J>()) push_through_view<I, Act, J>();
        } else if constexpr (!pushes_in_loop<I, Act, J>)
            push<I, Act, J>();
    }
    /// Node I's push into argument J, a view, after the loop: into each active source, stretch by
    /// stretch. Like the push in the loop, it adds (sources are zeroed before the sweep:
    /// backward_sweep).
    template <std::size_t I, class Act, std::size_t J>
    [[gnu::always_inline]] constexpr void push_through_view() const {
        constexpr std::size_t c = facts::nodes[I].child[J];
        if constexpr (Act::active[c])
            for_each_stretch<I, I + 1>([&]<std::size_t B, std::size_t E>(std::integral_constant<std::size_t, B>, std::integral_constant<std::size_t, E>) {
                constexpr window_piece p = views_of::piece_at(c, B);
                if constexpr (Act::active[p.arg]) {
                    S* a = adjoint<p.arg>();
                    STAG_INDEPENDENT_ITERATIONS
                    for (std::size_t e = B; e < E; ++e) a[e - p.begin + p.from] += term<I, J, B>(e, std::make_index_sequence<facts::nodes[I].arity>{});
                }
            });
    }
    /// The run that starts at node First, nodes First + K (K descending): its loop, then the rest.
    template <std::size_t First, class Act, std::size_t... K>
    [[gnu::always_inline]] constexpr void backward_run(std::index_sequence<K...>) const {
        for_each_stretch<First, First + sizeof...(K)>([&]<std::size_t B, std::size_t E>(std::integral_constant<std::size_t, B>, std::integral_constant<std::size_t, E>) {
            STAG_INDEPENDENT_ITERATIONS
            for (std::size_t e = B; e < E; ++e) {
                S here[sizeof...(K)];  // the adjoints at e that live in the loop only (in registers)
                (push_element<First + K, Act, B, First>(e, here, std::make_index_sequence<facts::nodes[First + K].arity>{}), ...);
            }
        });
        (after_loop<First + K, Act>(std::make_index_sequence<facts::nodes[First + K].arity>{}), ...);
    }
    template <std::size_t I, class Act>
    [[gnu::always_inline]] constexpr void backward_step() const {
        constexpr std::size_t first = runs::of.first[I];
        if constexpr (first == List::size) backward<I, Act>();
        else if constexpr (runs::of.end[first] == I + 1) backward_run<first, Act>(reverse_index_sequence<I + 1 - first>{});
    }

    template <std::size_t I, class Act, std::size_t J>
    [[gnu::always_inline]] constexpr void push() const {
        constexpr std::size_t c = facts::nodes[I].child[J];
        if constexpr (Act::active[c]) {
            constexpr bool assign = first_write<I, J, Act>;
            using Op = typename node<I>::op;
            if constexpr (tensor_level_op<Op>)
                push_tensor<I, J, assign>(std::make_index_sequence<facts::nodes[I].arity>{});
            else
                push_elementwise<I, J, assign>(std::make_index_sequence<facts::nodes[I].arity>{});
        }
    }
    template <std::size_t I, std::size_t J, bool Assign, std::size_t... K>
    [[gnu::always_inline]] constexpr void push_tensor(std::index_sequence<K...>) const {
        using Op = typename node<I>::op;
        using Sh = shapes<shape<I>, shape<facts::nodes[I].child[K]>...>;
        constexpr bool stated = states_backward<Op, J, Assign, Sh, S, decltype(value<facts::nodes[I].child[K]>())...>;
        static_assert(stated, "stag: a tensor-level op of the expression states no backward loop backward<J, Assign>(shapes, to, adjoint, value, args...) for one of its arguments");
        if constexpr (stated)
            Op::template backward<J, Assign>(Sh{}, adjoint<facts::nodes[I].child[J]>(), adj + L::offset[I], v + L::offset[I], value<facts::nodes[I].child[K]>()...);
    }
    template <std::size_t I, class Act, std::size_t... J>
    [[gnu::always_inline]] constexpr void push_all(std::index_sequence<J...>) const {
        (push<I, Act, J>(), ...);
    }
    template <std::size_t I, class Act>
    [[gnu::always_inline]] constexpr void backward() const {
        if constexpr (steps<I, Act>) push_all<I, Act>(std::make_index_sequence<facts::nodes[I].arity>{});
    }

    /// The forward sweep. Store says which values of its loops it keeps in the slab besides those
    /// read after their own loop: all (store_all), none (store_none, for eval: no backward sweep
    /// follows), or those the backward sweep of activity Act reads (store_for<Act>).
    template <class Store = store_all, std::size_t... I>
    [[gnu::flatten]] constexpr void forward_sweep(std::index_sequence<I...>) const {
        const int order[] = {0, (forward_step<I, Store>(), 0)...};
        (void)order;
    }
    /// A view's source that the sweep pushes into starts from 0 (unless the caller seeds it, or it is
    /// a variable whose gradient accumulates): its pushes all add.
    template <std::size_t I, class Act>
    [[gnu::always_inline]] constexpr void zero_source() const {
        if constexpr (views_of::source[I] && Act::active[I] && pushed_nodes<List, Act>::of[I] && !seeded_nodes<Act, List::size>()[I] &&
                      !(accumulates<G> && variable<node<I>>)) {
            S* a = adjoint<I>();
            for (std::size_t e = 0; e < L::count[I]; ++e) a[e] = S(0);
        }
    }
    template <class Act, std::size_t... I>
    [[gnu::flatten]] constexpr void backward_sweep(std::index_sequence<I...>) const {
        if constexpr (views_of::any) {
            const int zeroed[] = {0, (zero_source<I, Act>(), 0)...};
            (void)zeroed;
        }
        const int order[] = {0, (backward_step<I, Act>(), 0)...};
        (void)order;
    }
};

/// The value of a tensor graph's root: a number, or a tensor of its shape.
template <class S, class Shape>
struct root_value {
    using type = tensor_of<S, Shape>;
};
template <class S>
struct root_value<S, std::index_sequence<>> {
    using type = S;
};

/// The value of the tensor graph f written to `to` (its elements, row-major): one forward sweep.
template <class S, class F, class Env>
constexpr void tensor_eval_to(const F& f, const Env& env, workspace* ws, S* to) {
    using List = graph::nodes_t<F>;
    using L = layout<List>;
    constexpr std::size_t n = List::size;
    const auto lits = gather_literals<S>(f);
    sweep_storage<S, L::total + 1, 1> v(ws);
    const tensor_pass<S, List, Env> pass{v.slab(0), nullptr, env, nullptr, lits.data()};
    pass.template forward_sweep<store_none>(std::make_index_sequence<n>{});
    const auto* root = pass.template value<n - 1>();
    for (std::size_t e = 0; e < L::count[n - 1]; ++e) to[e] = static_cast<S>(root[e]);
}

/// eval over a tensor graph (its large intermediates in ws if given).
template <class S, class F, class Env>
constexpr auto tensor_eval(const F& f, const Env& env, workspace* ws = nullptr) {
    if constexpr (!report_shapes<F>()) {
        return failed{};
    } else {
        using List = graph::nodes_t<F>;
        using R = typename root_value<S, node_shape_t<graph::node_t<graph::type_at<List::size - 1, List>>>>::type;
        R out;
        tensor_eval_to<S>(f, env, ws, elements_of(out));
        return out;
    }
}

/// The gradient part of a result: its .grad, or the result itself where it is a gradient alone.
template <class R>
[[gnu::always_inline]] constexpr auto& gradient_part(R& result) noexcept {
    if constexpr (requires { result.grad; }) return result.grad;
    else return result;
}

/// The gradient of a variable no adjoint reaches is zero: what a sweep writes for it.
template <class S, class List, class Act, class... Vs, class G>
constexpr void clear_unreached(G& grad) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto clear = [](auto* to, std::size_t count) {
            for (std::size_t k = 0; k < count; ++k) to[k] = S(0);
        };
        ((graph::reaches<List, Act, Vs>::value ? void() : clear(elements_of(grad.template get<I>()), shape_count<node_shape_t<Vs>>::value)),
         ...);
    }(std::index_sequence_for<Vs...>{});
}

/// The value of a tensor graph with one element, and its gradient written into grad (a
/// stag::gradient, or the caller's storage): one forward sweep, one backward sweep.
template <class S, class... Vs, class F, class Env, class G>
constexpr S tensor_gradient_sweep(const F& f, const Env& env, G& grad, workspace* ws = nullptr) {
    using List = graph::nodes_t<F>;
    using L = layout<List>;
    using Act = graph::activity<List, Vs...>;
    constexpr std::size_t n = List::size;
    static_assert(L::count[n - 1] == 1,
                  "stag: grad(f, ...): f must have one element; reduce a tensor with stag::sum or stag::mean first");
    const auto lits = gather_literals<S>(f);
    sweep_storage<S, L::total + 1, 2> slabs(ws);
    const tensor_pass<S, List, Env, G> pass{slabs.slab(0), slabs.slab(1), env, &grad, lits.data()};
    pass.template forward_sweep<store_for<Act>>(std::make_index_sequence<n>{});
    const S value = static_cast<S>(pass.template value<n - 1>()[0]);
    if constexpr (Act::active[n - 1]) {
        pass.template adjoint<n - 1>()[0] = S(1);
        pass.template backward_sweep<Act>(reverse_index_sequence<n>{});
    }
    if constexpr (!accumulates<G>) clear_unreached<S, List, Act, Vs...>(grad);
    return value;
}

/// The Jacobian of a tensor graph's root (M elements, row-major) with respect to Vs: one forward
/// sweep, then one backward sweep per element of the root, seeded with that element's unit vector,
/// each writing its row into `row(e)` (a stag::gradient). The root's elements go to `values`.
template <class S, class... Vs, class F, class Env, class Row>
void tensor_jacobian_sweep(const F& f, const Env& env, S* values, Row&& row) {
    using List = graph::nodes_t<F>;
    using L = layout<List>;
    using Act = graph::activity<List, Vs...>;
    using G = std::remove_reference_t<decltype(row(std::size_t{0}))>;
    constexpr std::size_t n = List::size, m = L::count[n - 1];
    const auto lits = gather_literals<S>(f);
    sweep_storage<S, L::total + 1, 2> slabs(nullptr);
    for (std::size_t e = 0; e < m; ++e) {
        G& g = row(e);
        const tensor_pass<S, List, Env, G> pass{slabs.slab(0), slabs.slab(1), env, &g, lits.data()};
        if (e == 0) {
            pass.forward_sweep(std::make_index_sequence<n>{});
            for (std::size_t k = 0; k < m; ++k) values[k] = static_cast<S>(pass.template value<n - 1>()[k]);
        }
        if constexpr (Act::active[n - 1]) {
            S* seed = pass.template adjoint<n - 1>();
            for (std::size_t k = 0; k < m; ++k) seed[k] = S(k == e ? 1 : 0);
            pass.template backward_sweep<Act>(reverse_index_sequence<n>{});
        }
        clear_unreached<S, List, Act, Vs...>(g);
    }
}

/// grad or value_and_grad over a tensor graph, the gradient written in place into the result R (a
/// value_and_gradient, or a gradient alone), which is built where the caller keeps it.
template <class S, class R, class... Vs, class F, class Env>
constexpr R tensor_value_and_grad(const F& f, const Env& env) {
    R result;  // written in full by the sweep
    const S value = tensor_gradient_sweep<S, Vs...>(f, env, gradient_part(result));
    if constexpr (requires { result.value; }) result.value = value;
    return result;
}

}  // namespace detail

/// The bytes a stag::workspace needs so that `eval(ws, f, ...)`, `eval_into(ws, ...)` and the
/// gradients of f `.in(ws)` never make it grow, for numbers of type S: the two slabs (values and
/// adjoints) of f's sweep. Zero for a number model, whose sweeps keep everything in registers and
/// locals. (A scan's or map_sum's needs depend on the run-time length: they grow the workspace once.)
template <class S = double, class F>
    requires expression<F>
constexpr std::size_t workspace_bytes(const F&) noexcept {
    using List = graph::nodes_t<F>;
    if constexpr (!detail::tensor_graph<List>::value) return 0;
    else return 2 * detail::sweep_storage<S, detail::layout<List>::total + 1, 2>::stride * sizeof(S);
}
}  // namespace stag

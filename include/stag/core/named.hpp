// Named irrational constants (pi): exact in any floating type, printed by name.
#pragma once

#include <stag/graph/node_list.hpp>

namespace stag {

/// A named irrational constant (pi); `Tag` gives its value in any floating type and its name.
template <class Tag>
struct named_t {
    static constexpr bool is_stag_node = true;
    static constexpr bool stateless = true;
    static constexpr bool is_constant = true;
    using nodes = graph::node_list<graph::key<named_t>>;
    static constexpr const char* tag_name() noexcept { return Tag::name; }
    template <class S>
    static constexpr S value() noexcept {
        return Tag::template value<S>();
    }
};
struct pi_tag {
    static constexpr const char* name = "pi";
    template <class S>
    static constexpr S value() noexcept {
        return static_cast<S>(3.141592653589793238462643383279502884L);
    }
};
/// The constant pi as an expression.
inline constexpr named_t<pi_tag> pi{};

}  // namespace stag

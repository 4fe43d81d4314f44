// A flat, constexpr-friendly record of heterogeneous slots: the storage of the sweeps.
#pragma once

#include <cstddef>
#include <utility>

namespace stag::detail {

/// A slot is left uninitialised by default-initialisation (`record<...> r;`), so that a result
/// written in place in full is not first zeroed; value-initialisation (`record<...> r{};`) zeroes it.
template <std::size_t I, class T>
struct slot {
    [[no_unique_address]] T value;
};

template <std::size_t I, class T>
constexpr T& slot_get(slot<I, T>& s) noexcept { return s.value; }
template <std::size_t I, class T>
constexpr const T& slot_get(const slot<I, T>& s) noexcept { return s.value; }

template <class Seq, class... Ts>
struct record_impl;
template <std::size_t... Is, class... Ts>
struct record_impl<std::index_sequence<Is...>, Ts...> : slot<Is, Ts>... {
    constexpr record_impl() = default;
    constexpr explicit record_impl(const Ts&... vs)
        requires(sizeof...(Ts) > 0)  // with no slots it would clash with the default constructor
        : slot<Is, Ts>{vs}... {}
};

/// Slots 0..N-1 of types Ts...: get<I>() costs one base-class look-up, whatever N is.
template <class... Ts>
struct record : record_impl<std::index_sequence_for<Ts...>, Ts...> {
    using record_impl<std::index_sequence_for<Ts...>, Ts...>::record_impl;
    static constexpr std::size_t size = sizeof...(Ts);
    template <std::size_t I>
    constexpr auto& get() noexcept { return slot_get<I>(*this); }
    template <std::size_t I>
    constexpr const auto& get() const noexcept { return slot_get<I>(*this); }
};

}  // namespace stag::detail

// An mdspan-like view whose static columns are not the rows of the variable it binds: one stag
// error at compile time (a run-time extent is checked at the call instead).
// expect: stag: a variable with a run-time axis is bound to an mdspan whose rows have another shape
#include <stag/stag.hpp>

#include <cstddef>
#include <span>
#include <vector>

template <std::size_t Cols>
struct view {
    struct extents_type {
        static constexpr std::size_t static_extent(std::size_t r) { return r == 0 ? std::dynamic_extent : Cols; }
    };
    const double* p;
    std::size_t rows;
    const double* data_handle() const { return p; }
    static constexpr std::size_t rank() { return 2; }
    std::size_t extent(std::size_t r) const { return r == 0 ? rows : Cols; }
    std::size_t stride(std::size_t r) const { return r == 0 ? Cols : 1; }
};

constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, 3>>;

int main() {
    const std::vector<double> xs(12, 1.0);
#ifdef STAG_SHOULD_FAIL
    const double v = stag::eval(stag::sum(X), X = view<4>{xs.data(), 3});
#else
    const double v = stag::eval(stag::sum(X), X = view<3>{xs.data(), 4});
#endif
    (void)v;
}

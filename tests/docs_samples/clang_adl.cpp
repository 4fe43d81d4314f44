// docs/design.md: clang 14's argument-dependent lookup walks the tree unfolding of a shared type.
// Compiled by the tests (as an object) so that the sample stays true; it needs no stag.
namespace n {
template <class A, class B> struct E {};
template <class A, class B> constexpr E<A, B> operator*(A, B) { return {}; }
struct X {};
}
#define L(k, j) using T##k = n::E<T##j, T##j>; constexpr T##k v##k = v##j * v##j;
using T0 = n::X; constexpr T0 v0{};
L(1,0) L(2,1) L(3,2) L(4,3) L(5,4) L(6,5) L(7,6) L(8,7) L(9,8) L(10,9) L(11,10) L(12,11)
L(13,12) L(14,13) L(15,14) L(16,15) L(17,16) L(18,17) L(19,18) L(20,19) L(21,20) L(22,21)

int clang_adl_sample() { return sizeof(v22); }

// docs/design.md: clang's argument-dependent lookup walks the tree unfolding of a shared type
// (namespace n), and the form of node type that stops it (namespace m). Compiled by the tests (as
// an object) so that the samples stay true; they need no stag.
#include <type_traits>

namespace n {
template <class A, class B> struct E {};
template <class A, class B> constexpr E<A, B> operator*(A, B) { return {}; }
struct X {};
}
#define L(k, j) using T##k = n::E<T##j, T##j>; constexpr T##k v##k = v##j * v##j;
using T0 = n::X; constexpr T0 v0{};
L(1,0) L(2,1) L(3,2) L(4,3) L(5,4) L(6,5) L(7,6) L(8,7) L(9,8) L(10,9) L(11,10) L(12,11)
L(13,12) L(14,13) L(15,14) L(16,15) L(17,16) L(18,17) L(19,18) L(20,19) L(21,20) L(22,21)

namespace m {
template <class A, class B> struct E_base {};
template <class A, class B> struct E_id { using base = E_base<A, B>; };
template <auto Id> struct E_decl { struct type : decltype(Id)::base {}; };
template <class A, class B> using E = typename E_decl<E_id<A, B>{}>::type;
template <class A, class B> constexpr E<A, B> operator*(A, B) { return {}; }
struct X {};
}
#define M(k, j) using U##k = m::E<U##j, U##j>; constexpr U##k w##k = w##j * w##j;
using U0 = m::X; constexpr U0 w0{};
M(1,0) M(2,1) M(3,2) M(4,3) M(5,4) M(6,5) M(7,6) M(8,7) M(9,8) M(10,9) M(11,10) M(12,11) M(13,12)
M(14,13) M(15,14) M(16,15) M(17,16) M(18,17) M(19,18) M(20,19) M(21,20) M(22,21) M(23,22) M(24,23)
M(25,24) M(26,25) M(27,26) M(28,27) M(29,28) M(30,29) M(31,30) M(32,31) M(33,32) M(34,33) M(35,34)
M(36,35) M(37,36) M(38,37) M(39,38) M(40,39) M(41,40) M(42,41) M(43,42) M(44,43) M(45,44) M(46,45)
M(47,46) M(48,47) M(49,48) M(50,49) M(51,50) M(52,51) M(53,52) M(54,53) M(55,54) M(56,55) M(57,56)
M(58,57) M(59,58) M(60,59) M(61,60) M(62,61) M(63,62) M(64,63)
static_assert(std::is_same_v<decltype(w64), const U64>);

int clang_adl_sample() { return sizeof(v22) + sizeof(w64); }

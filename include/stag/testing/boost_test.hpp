// Boost.Test helper for stag::check_grad. Include after <boost/test/unit_test.hpp>'s
// configuration (BOOST_TEST_MODULE and friends); not part of <stag/stag.hpp>.
#pragma once

#include <stag/stag.hpp>

#include <boost/test/unit_test.hpp>

/// STAG_CHECK_GRAD(f, tolerance, bindings...): a Boost.Test check that grad agrees with central
/// finite differences for every variable of f; on failure it prints every variable's figures.
#define STAG_CHECK_GRAD(f, tolerance, ...)                                                     \
    do {                                                                                       \
        const ::stag::grad_check stag_check_result_ = ::stag::check_grad((f), __VA_ARGS__);    \
        BOOST_TEST(stag_check_result_.passed(tolerance), "stag::check_grad: " << stag_check_result_); \
    } while (false)

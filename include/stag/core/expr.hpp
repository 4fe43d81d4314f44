// The node types of stag's graphs and the concepts over them (one header for all of core/'s parts).
#pragma once

#include <stag/core/concepts.hpp>
#include <stag/core/failed.hpp>
#include <stag/core/named.hpp>
#include <stag/core/node.hpp>
#include <stag/core/rational.hpp>

# Checks that the umbrella header INCLUDE/stag/stag.hpp brings in every public header of INCLUDE/stag/.
# The rule: every header must be reached from stag.hpp through stag's own #include <stag/...> lines,
# directly or through other stag headers, except
# - stag/detail/: implementation helpers, pulled in by the headers that need them, if at all;
# - stag/testing/, stag/ceres.hpp and stag/eigen.hpp: opt-in add-ons that need more than stag needs
#   (Boost.Test, Ceres Solver, Eigen), kept out on purpose.
# Reached rather than named: engine/sweep.hpp, graph/walk.hpp and the like are machinery that the
# public headers include; what matters to a user is that #include <stag/stag.hpp> gives everything.
# A new header that nothing includes fails. Globbed here, when the test runs, so that a header
# added since the last configure is checked too.
cmake_minimum_required(VERSION 3.25)

set(include_regex "^[ \t]*#[ \t]*include[ \t]*[<\"](stag/[^>\"]+)[>\"]")
set(reached stag/stag.hpp)
set(queue stag/stag.hpp)
while(queue)
  list(POP_FRONT queue header)
  if(NOT EXISTS ${INCLUDE}/${header})
    message(FATAL_ERROR "stag includes <${header}>, which is not in ${INCLUDE}")
  endif()
  file(STRINGS ${INCLUDE}/${header} lines REGEX "${include_regex}")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "${include_regex}.*" "\\1" included "${line}")
    if(NOT included IN_LIST reached)
      list(APPEND reached ${included})
      list(APPEND queue ${included})
    endif()
  endforeach()
endwhile()

file(GLOB_RECURSE headers RELATIVE ${INCLUDE} ${INCLUDE}/stag/*.hpp)
list(SORT headers)
set(missing "")
foreach(header IN LISTS headers)
  if(header MATCHES "^stag/(detail|testing)/" OR header STREQUAL "stag/ceres.hpp" OR header STREQUAL "stag/eigen.hpp")
    continue()
  endif()
  if(NOT header IN_LIST reached)
    string(APPEND missing "\n  #include <${header}>")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "stag/stag.hpp does not bring in these public headers; add them to it:${missing}")
endif()
list(LENGTH headers n)
message(STATUS "ok: stag/stag.hpp brings in every public header (${n} headers under stag/)")

# Checks that the README's tour (the C++ block that starts with #include <stag/stag.hpp>) is the
# code that tests/test_readme.cpp compiles, line for line.
file(READ ${README} readme)
file(READ ${TEST} test)
string(REGEX MATCH "```cpp\n#include <stag/stag.hpp>\n\n([^`]*)```" _ "${readme}")
set(block "${CMAKE_MATCH_1}")
string(REGEX MATCH "BOOST_AUTO_TEST_CASE\\(readme_tour\\) {\n([^\n]*\n)*\n    BOOST_TEST\\(v" body "${test}")
string(REGEX REPLACE "^BOOST_AUTO_TEST_CASE\\(readme_tour\\) {\n" "" body "${body}")
string(REGEX REPLACE "\n\n    BOOST_TEST\\(v$" "\n" body "${body}")
string(REGEX REPLACE "(^|\n)    " "\\1" body "${body}")
if(NOT block STREQUAL body)
  message(FATAL_ERROR "README tour and tests/test_readme.cpp differ:\n--- README\n${block}--- test\n${body}")
endif()

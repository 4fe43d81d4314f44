# Builds and runs tests/consumer against stag, with the compiler and flags of the build under test.
#   MODE=find_package:     cmake --install STAG_BINARY_DIR into WORK_DIR/prefix, then find_package(stag)
#   MODE=add_subdirectory: add_subdirectory(STAG_SOURCE_DIR)
# Also: VERSION (expected), GENERATOR, MAKE_PROGRAM, CXX, BUILD_TYPE, CXX_FLAGS, CONFIG_CXX_FLAGS (those
# of BUILD_TYPE), LINKER_FLAGS, Boost_DIR.
cmake_minimum_required(VERSION 3.25)

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc COMMAND_ECHO STDOUT)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer (${MODE}): ${what} failed (${rc})")
  endif()
endfunction()

# Start clean: a cache or prefix left by an earlier run would hide a broken install.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)

set(configure_args -S ${CMAKE_CURRENT_LIST_DIR} -B ${build} -G ${GENERATOR} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    -DSTAG_CONSUMER_MODE=${MODE} -DSTAG_EXPECTED_VERSION=${VERSION} -DSTAG_SOURCE_DIR=${STAG_SOURCE_DIR})
if(BUILD_TYPE)
  string(TOUPPER ${BUILD_TYPE} build_type)
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS_${build_type}=${CONFIG_CXX_FLAGS}")
endif()
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(Boost_DIR)
  list(APPEND configure_args -DBoost_DIR=${Boost_DIR})  # the Boost the build under test found
endif()

if(MODE STREQUAL "find_package")
  step("install" ${CMAKE_COMMAND} --install ${STAG_BINARY_DIR} --prefix ${prefix})
  # Only the fresh prefix may provide stag: no package registries, which could hold another one.
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
       -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
endif()

step("configure" ${CMAKE_COMMAND} ${configure_args})

if(MODE STREQUAL "find_package")
  # A stag installed elsewhere on the system (say /usr/local) must not have been picked instead.
  file(STRINGS ${build}/CMakeCache.txt stag_dir REGEX "^stag_DIR:")
  string(REGEX REPLACE "^stag_DIR:[A-Z]+=" "" stag_dir "${stag_dir}")
  cmake_path(IS_PREFIX prefix "${stag_dir}" NORMALIZE from_prefix)
  if(NOT from_prefix)
    message(FATAL_ERROR "consumer: find_package(stag) used '${stag_dir}', not the package in ${prefix}")
  endif()
endif()

set(build_config "")
set(test_config "")
if(BUILD_TYPE)  # matters to multi-config generators only
  set(build_config --config ${BUILD_TYPE})
  set(test_config -C ${BUILD_TYPE})
endif()
step("build" ${CMAKE_COMMAND} --build ${build} ${build_config})
# The consumer registers its program as a test, so ctest finds it under any generator.
step("run" ${CMAKE_CTEST_COMMAND} --test-dir ${build} ${test_config} --output-on-failure)

# Helpers shared by every folder's CMakeLists.txt.

add_library(swepo_warnings INTERFACE)
target_compile_options(swepo_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)

# One precompiled header for torch/torch.h, built once and reused by every target that uses
# LibTorch (a TU including torch/torch.h costs ~10 s without it).
add_library(swepo_torch_pch OBJECT ${CMAKE_SOURCE_DIR}/cmake/pch_stub.cpp)
target_link_libraries(swepo_torch_pch PUBLIC torch)
target_precompile_headers(swepo_torch_pch PUBLIC <torch/torch.h>)
set_target_properties(swepo_torch_pch PROPERTIES POSITION_INDEPENDENT_CODE OFF)

# swepo_use_torch(target): link LibTorch and reuse the shared precompiled header.
function(swepo_use_torch tgt)
  target_link_libraries(${tgt} PUBLIC torch)
  target_precompile_headers(${tgt} REUSE_FROM swepo_torch_pch)
endfunction()

# swepo_add_test(name SOURCES ... LIBS ... [TORCH]): one GoogleTest executable run by ctest.
function(swepo_add_test name)
  cmake_parse_arguments(T "TORCH" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest swepo_warnings)
  if(T_TORCH)
    swepo_use_torch(${name})
    target_link_libraries(${name} PRIVATE swepo_test_main_torch)
  else()
    target_link_libraries(${name} PRIVATE swepo_test_main)
  endif()
  target_compile_definitions(${name} PRIVATE
    SWEPO_SOURCE_DIR="${CMAKE_SOURCE_DIR}" SWEPO_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()

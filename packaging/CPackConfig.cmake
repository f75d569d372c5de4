# Included (OPTIONAL) by the top-level CMakeLists.txt: packaging lives in cmake/Packaging.cmake.
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/Packaging.cmake)

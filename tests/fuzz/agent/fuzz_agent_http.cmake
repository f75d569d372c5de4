# fuzz_agent_http: the dev agent's HTTP/1.1 request parser (HttpRequestParser over Boost.Beast) on
# hostile byte streams cut into reads at every size. With clang it is a libFuzzer binary (fuzz
# with `fuzz_agent_http -max_len=4096 <dir>`; CTest replays the corpus once with -runs=0). With
# GCC it links the generic corpus replayer of tests/fuzz/rpc (every file, its truncations and
# seeded byte flips). Every crash the fuzzer finds is minimised and committed to
# corpus/fuzz_agent_http/.
set(http_corpus ${CMAKE_CURRENT_SOURCE_DIR}/corpus/fuzz_agent_http)
add_executable(fuzz_agent_http fuzz_agent_http.cpp)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(fuzz_agent_http PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_agent_http PRIVATE -fsanitize=fuzzer)
    add_test(NAME fuzz_agent_http COMMAND fuzz_agent_http -runs=0 ${http_corpus})
else()
    target_sources(fuzz_agent_http PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/../rpc/fuzz_replay_main.cpp)
    add_test(NAME fuzz_agent_http COMMAND fuzz_agent_http ${http_corpus})
endif()
target_link_libraries(fuzz_agent_http PRIVATE meshx_agent)
meshx_warnings(fuzz_agent_http)
set_tests_properties(fuzz_agent_http PROPERTIES LABELS fuzz TIMEOUT 120)

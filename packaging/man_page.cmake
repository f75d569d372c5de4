cmake_minimum_required(VERSION 3.25)

# Renders a man page from a hand-written roff template and the program's own --help output, so
# the OPTIONS section always lists exactly the options the installed binary has.
#
#   cmake -DBINARY=<path> -DNAME=<program> -DTEMPLATE=<docs/man/NAME.1.in> -DOUTPUT=<NAME.1>
#         -DVERSION=<x.y.z> -DDATE=<YYYY-MM-DD> [-DSUBCOMMANDS=ON] -P man_page.cmake
#
# @HELP@ in the template becomes the --help text as a no-fill block; with SUBCOMMANDS=ON every
# command listed under "Commands:" adds a subsection with `NAME <command> --help`.
# Roff escaping: backslash -> \e, '-' -> \- (a real minus), a leading '.' or ' gets \&.

foreach(var BINARY NAME TEMPLATE OUTPUT VERSION DATE)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "man_page.cmake: -D${var}= is required")
    endif()
endforeach()

function(run_help out)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                            MESHX_CONFIG=/nonexistent-meshx-man-config ${BINARY} ${ARGN} --help
                    OUTPUT_VARIABLE text ERROR_QUIET RESULT_VARIABLE rc TIMEOUT 60)
    if(NOT rc EQUAL 0 OR text STREQUAL "")
        message(FATAL_ERROR "man_page.cmake: '${NAME} ${ARGN} --help' failed (${rc})")
    endif()
    # Qt's parser prints argv[0] as given: keep the program name only.
    string(REGEX REPLACE "Usage: [^ \n]*/${NAME}" "Usage: ${NAME}" text "${text}")
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(roff_block text out)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REPLACE "-" "\\-" text "${text}")
    string(REGEX REPLACE "\n+$" "" text "${text}")
    string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
    set(${out} ".PP\n.nf\n${text}\n.fi\n" PARENT_SCOPE)
endfunction()

run_help(help)
roff_block("${help}" body)
set(roff_help "${body}")

if(SUBCOMMANDS)
    string(REGEX MATCH "\nCommands:\n.*" commands "${help}")
    string(REGEX REPLACE "\n\n.*" "" commands "${commands}")
    string(REGEX MATCHALL "\n  [a-z][a-z0-9-]*" names "${commands}")
    foreach(entry IN LISTS names)
        string(STRIP "${entry}" command)
        run_help(sub ${command})
        roff_block("${sub}" body)
        string(REPLACE "-" "\\-" title "${NAME} ${command}")
        string(APPEND roff_help ".SS ${title}\n${body}")
    endforeach()
endif()

file(READ ${TEMPLATE} page)
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
string(REPLACE "@DATE@" "${DATE}" page "${page}")
string(REPLACE "@HELP@\n" "${roff_help}" page "${page}")
file(WRITE ${OUTPUT} "${page}")

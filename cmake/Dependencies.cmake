# Every dependency is a Debian package; packaging/install-deps.sh installs them all.

# meshx_optional_part(<name> <ON|OFF> <what is missing>)
# Records whether an optional part is built. A part left out warns at once and again in the
# summary at the end of configuring (meshx_print_optional_parts), so it is never left out silently.
set_property(GLOBAL PROPERTY MESHX_OPTIONAL_PARTS "")
function(meshx_optional_part name built missing)
    if(built)
        set_property(GLOBAL APPEND PROPERTY MESHX_OPTIONAL_PARTS "${name}: built")
    else()
        set_property(GLOBAL APPEND PROPERTY MESHX_OPTIONAL_PARTS
                     "${name}: LEFT OUT (${missing}; packaging/install-deps.sh installs it)")
        message(WARNING "${name} is left out: ${missing}. packaging/install-deps.sh installs it.")
    endif()
endfunction()

function(meshx_print_optional_parts)
    get_property(parts GLOBAL PROPERTY MESHX_OPTIONAL_PARTS)
    message(STATUS "Optional parts:")
    foreach(part IN LISTS parts)
        message(STATUS "  ${part}")
    endforeach()
endfunction()

# PrintSupport must exist before QCustomPlotQt6's config runs (it links against it).
find_package(Qt6 REQUIRED COMPONENTS Core Network Widgets Test PrintSupport)
find_package(QCustomPlotQt6 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(mstch REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
# Intel ISA-L (libisal-dev): CRC-32 at hardware speed for MeshxRpc block checksums.
find_package(PkgConfig REQUIRED)
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
# RE2: the telemetry filter's `matches`, linear-time whatever the pattern (a filter can come from
# a tap subscriber).
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)

# erl_interface ships no CMake config: ei.h is linked into /usr/include, libei.a lives in the Erlang tree.
find_path(EI_INCLUDE_DIR ei.h PATHS /usr/lib/erlang/usr/include)
find_library(EI_LIBRARY NAMES ei PATHS /usr/lib/erlang/usr/lib)
if(EI_INCLUDE_DIR AND EI_LIBRARY)
    add_library(erl_interface::ei STATIC IMPORTED)
    set_target_properties(erl_interface::ei PROPERTIES
        IMPORTED_LOCATION ${EI_LIBRARY}
        INTERFACE_INCLUDE_DIRECTORIES ${EI_INCLUDE_DIR}
        INTERFACE_LINK_LIBRARIES Threads::Threads)
    set(MESHX_HAVE_EI ON)
else()
    set(MESHX_HAVE_EI OFF)
endif()
meshx_optional_part("Erlang node (core/node, meshx node)" "${MESHX_HAVE_EI}"
                    "erl_interface from erlang-dev not found")

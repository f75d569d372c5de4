# Every dependency is a Debian package; packaging/install-deps.sh installs them all.

# PrintSupport must exist before QCustomPlotQt6's config runs (it links against it).
find_package(Qt6 REQUIRED COMPONENTS Core Network Widgets Test PrintSupport)
find_package(QCustomPlotQt6 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(mstch REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)

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
    message(WARNING "erl_interface (erlang-dev) not found: the Erlang node parts are not built")
    set(MESHX_HAVE_EI OFF)
endif()

# Debian package: `cpack -G DEB` in the build directory writes meshx_<version>_amd64.deb with the
# four programs, the default templates, desktop entry, icon, AppStream metainfo (resources/), man
# pages generated from each program's --help (docs/man/*.1.in + packaging/man_page.cmake), and
# /usr/share/doc/meshx. Run-time dependencies come from dpkg-shlibdeps.
include(GNUInstallDirs)

find_program(MESHX_GZIP gzip REQUIRED)
string(TIMESTAMP MESHX_MAN_DATE "%Y-%m-%d" UTC)  # honours SOURCE_DATE_EPOCH

set(MESHX_MAN_DIR ${CMAKE_BINARY_DIR}/man)
set(MESHX_MAN_PAGES "")
foreach(program meshx meshx-agent meshx-proxy meshx-console)
    set(template ${CMAKE_SOURCE_DIR}/docs/man/${program}.1.in)
    set(page ${MESHX_MAN_DIR}/${program}.1)
    set(extra "")
    if(program STREQUAL "meshx")
        set(extra -DSUBCOMMANDS=ON)
    endif()
    add_custom_command(
        OUTPUT ${page} ${page}.gz
        COMMAND ${CMAKE_COMMAND} -E make_directory ${MESHX_MAN_DIR}
        COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:${program}> -DNAME=${program}
                -DTEMPLATE=${template} -DOUTPUT=${page} -DVERSION=${PROJECT_VERSION}
                -DDATE=${MESHX_MAN_DATE} ${extra} -P ${CMAKE_SOURCE_DIR}/packaging/man_page.cmake
        COMMAND ${MESHX_GZIP} -9nkf ${page}
        DEPENDS ${program} ${template} ${CMAKE_SOURCE_DIR}/packaging/man_page.cmake
        COMMENT "Man page ${program}(1) from ${program} --help"
        VERBATIM)
    list(APPEND MESHX_MAN_PAGES ${page}.gz)
endforeach()
add_custom_target(meshx_man_pages ALL DEPENDS ${MESHX_MAN_PAGES})
install(FILES ${MESHX_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# /usr/share/doc/meshx: copyright, the Debian changelog (native package) and the README.
configure_file(${CMAKE_SOURCE_DIR}/packaging/changelog.in ${CMAKE_BINARY_DIR}/packaging/changelog
               @ONLY)
add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.gz
    COMMAND ${MESHX_GZIP} -9nkf ${CMAKE_BINARY_DIR}/packaging/changelog
    DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog
    VERBATIM)
add_custom_target(meshx_package_docs ALL DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/copyright ${CMAKE_BINARY_DIR}/packaging/changelog.gz
              ${CMAKE_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME meshx)
set(CPACK_PACKAGE_VENDOR "Meshx")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Meshx developers <meshx@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "service-mesh engine and console for HashiCorp Consul")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Meshx registers services with a Consul agent from Mustache templates, keeps
their TTL checks passing, supervises their sidecar proxies and connects
upstreams between them.
.
meshx is the command-line tool (interactive shell, any program as a mesh
service, RPC server/client/benchmark, Erlang node, template rendering).
meshx-console is the Qt desktop console; without a Consul agent it starts an
embedded development agent. meshx-agent is that development agent as a
program (Consul HTTP API subset, Connect CA, intentions, KV), and meshx-proxy
the built-in mutual-TLS sidecar proxy.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # meshx_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps sees every library the programs link (the Qt platform plugins the console
# loads at run time ship in libqt6gui6, which it already lists). Sidecars that templates name
# but Debian does not ship are suggestions.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "consul")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_SOURCE_GENERATOR "")
include(CPack)

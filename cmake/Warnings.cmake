# Warnings apply to our own targets only (generated moc code and third-party headers are exempt).
function(meshx_warnings target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wshadow -Wconversion -Wold-style-cast -Wno-sign-conversion)
    if(MESHX_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

# Warnings and optimisation flags for targets of this project (not for dependencies).
function(tinydet_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(TINYDET_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

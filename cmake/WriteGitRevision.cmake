# Run at build time (cmake -P) so the revision in results is the one built, not the one
# configured: writes OUTPUT only when the text changes, so an unchanged revision rebuilds
# nothing. Inputs: -DSOURCE_DIR=... -DOUTPUT=...
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT revision)
  set(revision "unknown")
else()
  # Tracked files changed since that commit: say so, results must not claim a clean tree.
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(changes)
    string(APPEND revision "-dirty")
  endif()
endif()
set(text "// Generated at build time by cmake/WriteGitRevision.cmake.\n#pragma once\n#define TINYDET_GIT_REVISION \"${revision}\"\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()

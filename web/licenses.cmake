# Writes OUT: the name, version and LICENSE file of each npm package in PACKAGES (a list), as
# installed under NPM_DIR. Run by web/CMakeLists.txt with cmake -P.
set(text "Licences of the npm packages built into acepool's panel (/panel).\n")
foreach(package IN LISTS PACKAGES)
  file(READ "${NPM_DIR}/${package}/package.json" manifest)
  string(REGEX MATCH "\"version\" *: *\"([^\"]+)\"" found "${manifest}")
  set(version "${CMAKE_MATCH_1}")
  if(NOT EXISTS "${NPM_DIR}/${package}/LICENSE")
    message(FATAL_ERROR "${package} has no LICENSE file to ship")
  endif()
  file(READ "${NPM_DIR}/${package}/LICENSE" licence)
  string(APPEND text "\n==== ${package} ${version} ====\n\n${licence}")
endforeach()
file(WRITE "${OUT}" "${text}")

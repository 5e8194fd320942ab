# Every dependency comes from a Debian 12 package (scripts/lib.sh installs them).
find_package(Threads REQUIRED)

# CAF 0.17.6 ships neither a CMake package nor a .pc file: a hand-made imported target.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
add_library(CAF::core UNKNOWN IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

find_package(fmt REQUIRED)

# Standalone asio (libasio-dev) and the http_parser C library (libhttp-parser-dev) carry the HTTP
# transport; neither ships a CMake package.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(acepool_asio INTERFACE)
target_include_directories(acepool_asio INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(acepool_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(acepool_asio INTERFACE Threads::Threads)
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY http_parser REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CURL REQUIRED)
find_package(SQLite3 REQUIRED)

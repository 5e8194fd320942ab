# Helpers shared by the per-folder CMakeLists.

# acepool_use_pch(target kind): precompiled headers for development builds only.
#   json = standard library + nlohmann/json; log = json + spdlog; caf = log + CAF.
function(acepool_use_pch target kind)
  if(NOT ACEPOOL_PCH OR CMAKE_UNITY_BUILD)
    return()
  endif()
  set(headers <string> <vector> <map> <memory> <optional> <functional> <nlohmann/json.hpp>)
  if(NOT kind STREQUAL "json")
    list(APPEND headers <spdlog/spdlog.h>)
  endif()
  if(kind STREQUAL "caf")
    list(APPEND headers <caf/all.hpp>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()

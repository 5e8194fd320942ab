// Catch2's main lives alone in this TU: it takes ~12 s to compile and never changes.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

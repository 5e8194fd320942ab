# Included by ctest after the discovered tests (TEST_INCLUDE_FILES): discovered tests that must
# run alone. The MAX_CONNECTIONS transport test steps through evictions with deadlines; beside
# two other heavy tests it has failed to converge (an evicted connection's close and the count
# racing, see the stop notes of issue 14); alone it has not.
set_tests_properties(
  "component:at MAX_CONNECTIONS an idle connection makes room, busy ones get 503 beyond the cap"
  PROPERTIES RUN_SERIAL ON)
# 200 viewers of five 4 Mbit/s streams (~100 MB/s through the relay and the test's checkers):
# alone, so the stall it measures is acepool's, not a neighbour test's.
set_tests_properties(
  "e2e:takeover e2e: 200 viewers of five 4 Mbit/s streams stay connected and unbroken across acepool --takeover"
  PROPERTIES RUN_SERIAL ON)
# Chromium reports ERR_NETWORK_CHANGED when other tests' containers add and remove network
# interfaces meanwhile; alone, the panel's page loads see one network.
set_tests_properties(
  "e2e:panel: Chromium shows the pool live and acts only with the key, at desktop and phone size"
  PROPERTIES RUN_SERIAL ON)

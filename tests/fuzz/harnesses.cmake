# The libFuzzer harnesses, one per parser of outside input (tests/fuzz/fuzz_<name>.cpp, seeds in
# tests/fuzz/corpus/<name>/, crashers kept as regression inputs in the same folder).
set(ACEPOOL_FUZZ_HARNESSES
  request_parser  # HTTP/1.x requests in any split (http/request_parser)
  router          # method, path, query and headers through the router's conventions
  query_text      # query strings, percent-decoding, UTF-8 and control-character checks
  json_bodies     # every route's JSON body readers (events, provisioning, integers, maps)
  docker_json     # Docker's container lists, inspect answers, event lines, errors, references
  engine_json     # the engine's getstream, stat and status answers
  gluetun_json    # Gluetun's control-server answers and published ports
  ts_packets      # the relay's MPEG-TS packet alignment
  ts_segmenter    # HLS segments cut from any MPEG-TS (tables, PES headers, clocks)
  settings        # env files and every setting's value parser
)

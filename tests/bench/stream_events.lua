-- wrk script: an external proxy's event traffic. Streams start (POST /events/stream_started) and
-- each ends (POST /events/stream_ended) once `ACTIVE` newer ones have started, so about ACTIVE
-- streams are active while ended records accumulate, as in production. ENGINE_PORTS (comma
-- list) are the engines' host ports; events name engines as localhost:<port>, as acexy does.
local ports = {}
for p in string.gmatch(os.getenv("ENGINE_PORTS") or "6878", "[^,]+") do ports[#ports + 1] = p end
local active = tonumber(os.getenv("ACTIVE") or "50")
local counter, first_open = 0, 1
local thread_id = tostring(math.random(1, 1e9))
local headers = {["Content-Type"] = "application/json"}
local ending = false

local function stream_id(n) return "bench|" .. thread_id .. "-" .. n end

request = function()
  ending = not ending
  if ending and counter - first_open >= active then
    local body = '{"stream_id":"' .. stream_id(first_open) .. '"}'
    first_open = first_open + 1
    return wrk.format("POST", "/events/stream_ended", headers, body)
  end
  counter = counter + 1
  local port = ports[(counter % #ports) + 1]
  local session = thread_id .. "-" .. counter
  local url = "http://localhost:" .. port .. "/ace/"
  local body = '{"engine":{"host":"localhost","port":' .. port .. '},' ..
      '"stream":{"key_type":"content_id","key":"bench"},' ..
      '"session":{"playback_session_id":"' .. session .. '",' ..
      '"stat_url":"' .. url .. 'stat/x/' .. session .. '",' ..
      '"command_url":"' .. url .. 'cmd/x/' .. session .. '","is_live":1}}'
  return wrk.format("POST", "/events/stream_started", headers, body)
end

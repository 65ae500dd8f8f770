-- wrk script: the requests of determinations-unique.lua, each made one the server must
-- reject after reading it whole: the date is sent as an array of the same length
-- ("2024-06-01" -> [2024,6,1,0]), so the body parses as JSON but not as a transaction.
-- The server does for it everything it does before a determination's own work — HTTP,
-- routing, the access log and metrics, the token check, reading and parsing the body —
-- and answers a short 400. floor.sh sets it beside the determinations it imitates.
-- The API token comes from the environment variable ACE_TOKEN; run from the project root.

dofile("bench/server/determinations-unique.lua")

local determination = request

function request()
  -- Same length, so the Content-Length wrk.format computed stays right.
  local rejected, n = determination():gsub('"date":"2024%-06%-01"', '"date":[2024,6,1,0]', 1)
  assert(n == 1, "rejected.lua: no date found to replace in determinations-unique.lua's request")
  return rejected
end

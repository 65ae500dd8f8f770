-- wrk script for the soak test: a steady mix of the API's calls — determinations (with
-- named parties, so screening runs), screenings, record reads, lists, rules, health.
-- The API token comes from ACE_TOKEN (an analyst).

local token = os.getenv("ACE_TOKEN") or ""
local calls = {
  {"POST", "/v1/determinations", '{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"name":"Example Security GmbH","kind":"non_government"}}'},
  {"POST", "/v1/determinations", '{"date":"2024-06-01","item":{"eccn":"4E001.c"},"destination":"IL","end_user":{"name":"NSO Group Technologies","kind":"non_government"}}'},
  {"POST", "/v1/determinations", '{"date":"2024-06-01","item":{"eccn":"5A001.j"},"destination":"JP","end_user":{"name":"Example Networks KK","kind":"non_government"}}'},
  {"POST", "/v1/screenings", '{"name":"Positive Technologies","country":"RU"}'},
  {"POST", "/v1/screenings", '{"name":"Mateo Smith"}'},
  {"GET", "/v1/records?limit=20", nil},
  {"GET", "/v1/records/1", nil},
  {"GET", "/v1/lists", nil},
  {"GET", "/v1/rules/groups/D:5?as_of=2024-01-01", nil},
  {"GET", "/healthz", nil},
}

local requests = {}
local counter = 0

function init(args)
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  for i, c in ipairs(calls) do
    requests[i] = wrk.format(c[1], c[2], headers, c[3])
  end
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function done(summary, latency, requests)
  io.write(string.format("REQUESTS %d NON2XX %d SOCKET_ERRORS %d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

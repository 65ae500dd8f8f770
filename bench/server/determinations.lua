-- wrk script: POST /v1/determinations, rotating realistic transactions with named parties
-- (so every request screens names against the list snapshot before deciding).
-- The API token comes from the environment variable ACE_TOKEN.

local token = os.getenv("ACE_TOKEN") or ""
local bodies = {
  -- a German company: ACE
  '{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"name":"Example Security GmbH","kind":"non_government"},"consignee":{"name":"Muster Logistik GmbH"}}',
  -- a Chinese government end user: license required
  '{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"CN","end_user":{"name":"Shanghai Municipal Public Security Bureau","kind":"government","government_role":"police_or_judicial"}}',
  -- an Entity List hit
  '{"date":"2024-06-01","item":{"eccn":"4E001.c"},"destination":"IL","end_user":{"name":"NSO Group Technologies","kind":"non_government"}}',
  -- 5A001.j to Japan: NLR
  '{"date":"2024-06-01","item":{"eccn":"5A001.j"},"destination":"JP","end_user":{"name":"Example Networks KK","kind":"non_government"},"purchaser":{"name":"Example Trading Co Ltd"}}',
  -- Russia, a listed company
  '{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"RU","end_user":{"name":"Positive Technologies AO","kind":"non_government"}}',
  -- a deemed export of technology to an Indian national
  '{"date":"2024-06-01","item":{"eccn":"4E001.c"},"destination":"IN","deemed_export":true,"end_user":{"name":"Ravi Kumar","kind":"non_government"},"purpose":"vulnerability_disclosure"}',
}

local requests = {}
local counter = 0

function init(args)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("POST", "/v1/determinations", headers, body)
  end
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

-- "ACK n": responses that were not errors (status < 400): every one is a recorded
-- determination, acknowledged to the client only after its record was durable.
function done(summary, latency, requests)
  local acked = summary.requests - summary.errors.status
  io.write(string.format("ACK %d NON2XX %d SOCKET_ERRORS %d\n", acked, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

-- wrk script: POST /v1/determinations like determinations.lua (the same six transactions:
-- same items, destinations, end-user kinds, purposes), but every party name is new: a
-- made-up company or person name drawn per request, so no screening is ever repeated and the
-- server's screening memo never helps. This is the worst case for the server (every request
-- walks the screening index at the 0.70 review threshold); determinations.lua is the case of
-- recurring counterparties.
-- The API token comes from the environment variable ACE_TOKEN.

local token = os.getenv("ACE_TOKEN") or ""
local headers = {}

local onsets = { "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
  "br", "cr", "dr", "gr", "kl", "pr", "st", "tr", "sh", "ch" }
local vowels = { "a", "e", "i", "o", "u", "ai", "ei", "ou", "ia" }
local codas = { "", "", "n", "r", "s", "l", "m", "x", "nd", "rt" }
local business = { "Systems", "Networks", "Security", "Logistik", "Trading", "Software",
  "Solutions", "Analytics", "Technologies", "Consulting", "Labs", "Electronics" }
local forms = { "GmbH", "AG", "Ltd", "LLC", "Co Ltd", "SARL", "BV", "KK", "AO", "Pte Ltd", "" }

local function word()
  local w = ""
  for _ = 1, math.random(2, 3) do
    w = w .. onsets[math.random(#onsets)] .. vowels[math.random(#vowels)] .. codas[math.random(#codas)]
  end
  return w:sub(1, 1):upper() .. w:sub(2)
end

local function company()
  local name = word() .. " " .. business[math.random(#business)]
  local form = forms[math.random(#forms)]
  if form ~= "" then name = name .. " " .. form end
  return name
end

local function person()
  return word() .. " " .. word()
end

local templates = {
  function() return string.format('{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"name":"%s","kind":"non_government"},"consignee":{"name":"%s"}}', company(), company()) end,
  function() return string.format('{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"CN","end_user":{"name":"%s Municipal Public Security Bureau","kind":"government","government_role":"police_or_judicial"}}', word()) end,
  function() return string.format('{"date":"2024-06-01","item":{"eccn":"4E001.c"},"destination":"IL","end_user":{"name":"%s","kind":"non_government"}}', company()) end,
  function() return string.format('{"date":"2024-06-01","item":{"eccn":"5A001.j"},"destination":"JP","end_user":{"name":"%s","kind":"non_government"},"purchaser":{"name":"%s"}}', company(), company()) end,
  function() return string.format('{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"RU","end_user":{"name":"%s","kind":"non_government"}}', company()) end,
  function() return string.format('{"date":"2024-06-01","item":{"eccn":"4E001.c"},"destination":"IN","deemed_export":true,"end_user":{"name":"%s","kind":"non_government"},"purpose":"vulnerability_disclosure"}', person()) end,
}

local counter = 0

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
end

function request()
  counter = counter + 1
  local body = templates[(counter % #templates) + 1]()
  return wrk.format("POST", "/v1/determinations", headers, body)
end

-- Same report line as determinations.lua (run.sh reads it).
function done(summary, latency, requests)
  local acked = summary.requests - summary.errors.status
  io.write(string.format("ACK %d NON2XX %d SOCKET_ERRORS %d\n", acked, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

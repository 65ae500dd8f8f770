// End-to-end test of ace's web UI in headless Chromium (Debian's `chromium`), driven by
// playwright-core. It builds and starts nothing: scripts/e2e.sh builds `ace`, creates a
// reviewer token, starts `ace serve` and runs this with ACE_URL and ACE_TOKEN.
//
// It signs in, decides 4D004 to Israel for "NSO Group" (LICENSE_REQUIRED, Entity List hit,
// 15 CFR 744.11 linked to the eCFR), decides 4D004 to Germany (ACE) for a party with a
// needs-review match, records a false positive and sees it on a later determination,
// verifies the record chain, opens the memo, and checks the map. Screenshots go to
// e2e/screenshots/.

import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BASE = process.env.ACE_URL;
const TOKEN = process.env.ACE_TOKEN;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
if (!BASE || !TOKEN) {
  console.error("usage: ACE_URL=http://127.0.0.1:PORT ACE_TOKEN=SECRET node run.mjs");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });

/** A name whose best match scores between the review and hit thresholds (0.70–0.85). */
const NEEDS_REVIEW_NAME = "Cytrox Digital Labs";
const REASON = "Berlin start-up founded 2023; no link to the listed Cytrox AD (checked register)";

let passed = 0;
let failed = 0;

/** Runs one named step; a failure is reported and ends the run (later steps depend on it). */
async function step(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n${String(error && error.stack ? error.stack : error).replace(/^/gm, "    ")}`);
    throw error;
  }
}

/** Fills and submits the determination form. */
async function determine(page, { eccn, destination, name, kind }) {
  await page.goto(`${BASE}/ui`);
  await page.getByLabel("ECCN, with its").fill(eccn);
  await page.getByLabel("Country or region").fill(destination);
  await page.getByLabel("Name (screened against the lists)").fill(name);
  await page.getByLabel("Government or not").selectOption(kind);
  await Promise.all([
    page.waitForURL(/\/ui\/determinations\/\d+/),
    page.getByRole("button", { name: "Screen and decide" }).click(),
  ]);
  return Number(new URL(page.url()).pathname.split("/").pop());
}

/** The outcome code the banner shows, as text. */
async function outcome(page) {
  return (await page.locator("section.banner .code").innerText()).trim();
}

const userDataDir = mkdtempSync(join(tmpdir(), "ace-e2e-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
});
const problems = [];
const page = context.pages()[0] || (await context.newPage());
page.on("console", (msg) => {
  if (msg.type() === "error") problems.push(`console: ${msg.text()} (${msg.location().url})`);
});
page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));

let firstGermany = 0;
try {
  await step("an unauthenticated visit is sent to sign-in", async () => {
    await page.goto(`${BASE}/`);
    assert.match(page.url(), /\/ui\/login$/);
    assert.equal(await page.getByRole("heading", { name: "Sign in" }).count(), 1);
  });

  await step("sign in with the reviewer token", async () => {
    await page.getByLabel("API token").fill(TOKEN);
    await Promise.all([page.waitForURL(`${BASE}/ui`), page.getByRole("button", { name: "Sign in" }).click()]);
    assert.match(await page.locator(".signout .who").innerText(), /e2e\s+reviewer/);
    const cookies = await context.cookies(BASE);
    const session = cookies.find((c) => c.name === "ace_session");
    assert.ok(session, "session cookie set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");
  });

  await step("4D004 to Israel for NSO Group: LICENSE_REQUIRED with the Entity List hit", async () => {
    await determine(page, { eccn: "4D004", destination: "Israel", name: "NSO Group", kind: "non_government" });
    assert.equal(await outcome(page), "LICENSE_REQUIRED");
    assert.match(await page.locator("section.banner").innerText(), /License required/);
    const cite = page.locator("ol.trace a.cite", { hasText: "15 CFR 744.11" }).first();
    assert.equal(await cite.count(), 1, "the trace cites 15 CFR 744.11");
    assert.match(await cite.getAttribute("href"), /^https:\/\/www\.ecfr\.gov\/current\/title-15\/section-744\.11/);
    const hit = page.locator("li.match.hit", { hasText: "NSO Group" }).first();
    assert.match(await hit.innerText(), /Entity List/);
    assert.match(await hit.locator(".explanation").innerText(), /NSO Group/i);
    await hit.locator("details.why summary").click();
    assert.match(await hit.locator("details.why table").innerText(), /nso/i);
    await page.screenshot({ path: join(shots, "result-license-required.png"), fullPage: true });
  });

  await step("4D004 to Germany: ACE, with a match that needs review", async () => {
    firstGermany = await determine(page, { eccn: "4D004", destination: "Germany", name: NEEDS_REVIEW_NAME, kind: "non_government" });
    assert.equal(await outcome(page), "ACE");
    assert.match(await page.locator("section.banner").innerText(), /License Exception ACE/);
    assert.ok((await page.locator("li.match.review").count()) > 0, "a needs-review match is shown");
    await page.screenshot({ path: join(shots, "result-ace.png"), fullPage: true });
  });

  await step("record a false positive on the needs-review match", async () => {
    const match = page.locator("li.match.review").first();
    const id = await match.getAttribute("id");
    await match.getByLabel("Reason for the decision").fill(REASON);
    await Promise.all([
      page.waitForURL(/\/ui\/determinations\/\d+#match-/),
      match.getByRole("button", { name: "False positive" }).click(),
    ]);
    const decisions = page.locator(`#${id} .decisions`);
    await decisions.waitFor();
    const text = await decisions.innerText();
    assert.match(text, /False positive/);
    assert.match(text, /by e2e/);
    assert.ok(text.includes(REASON), "the reason is shown");
    assert.match(text, /on this determination/);
  });

  await step("a second determination for the same party shows the earlier decision", async () => {
    const second = await determine(page, { eccn: "4D004", destination: "Germany", name: NEEDS_REVIEW_NAME, kind: "non_government" });
    assert.notEqual(second, firstGermany);
    const decisions = page.locator("li.match.review .decisions").first();
    const text = await decisions.innerText();
    assert.match(text, /False positive/);
    assert.ok(text.includes(`record #${firstGermany}`), `links the earlier record #${firstGermany}`);
    assert.ok(text.includes(REASON));
    assert.ok((await page.locator("li.match.review").count()) > 0, "the match is still shown, not hidden");
  });

  await step("records: filter, open one, verify the chain", async () => {
    await page.goto(`${BASE}/ui/records`);
    assert.ok((await page.locator("table.records tbody tr").count()) >= 4);
    await page.getByLabel("Kind").selectOption("review");
    await Promise.all([page.waitForURL(/kind=review/), page.getByRole("button", { name: "Filter" }).click()]);
    assert.equal(await page.locator("table.records tbody tr").count(), 1);
    await Promise.all([page.waitForURL(/\/ui\/records\/\d+$/), page.locator("table.records tbody tr a").first().click()]);
    assert.match(await page.locator("h1").innerText(), /Record #\d+\s+review/);
    await page.goto(`${BASE}/ui/records`);
    await Promise.all([page.waitForURL(/\/ui\/records\/verify$/), page.getByRole("button", { name: "Verify the chain" }).click()]);
    assert.match(await page.locator("section.banner").innerText(), /Chain intact/);
  });

  await step("the printable memo", async () => {
    await page.goto(`${BASE}/ui/determinations/${firstGermany}`);
    await Promise.all([page.waitForURL(/\/memo$/), page.getByRole("link", { name: "Printable memo" }).click()]);
    assert.equal(await page.locator("h1").innerText(), "Export Determination Memo");
    const text = await page.locator("article.memo-sheet").innerText();
    assert.match(text, /Guidance, not legal advice/);
    assert.match(text, /Record hash/);
    assert.match(text, /Signature/);
    assert.ok(text.includes(REASON), "the memo shows the review");
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator(".memo-toolbar").isVisible(), false, "the toolbar is not printed");
    await page.screenshot({ path: join(shots, "memo-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
  });

  await step("the map for 4D004, government end user", async () => {
    await page.goto(`${BASE}/ui/map`);
    await page.getByLabel("ECCN").selectOption("4D004");
    await Promise.all([page.waitForURL(/end_user=non_government/), page.locator("label[for=eu-non_government]").click()]);
    await Promise.all([page.waitForURL(/end_user=government/), page.locator("label[for=eu-government]").click()]);
    assert.match(page.url(), /eccn=4D004/);
    const cn = page.locator('li.tile[data-code="CN"]');
    assert.equal(await cn.getAttribute("data-outcome"), "LICENSE_REQUIRED");
    assert.match(await cn.innerText(), /LICENSE_REQUIRED/);
    const de = page.locator('li.tile[data-code="DE"]');
    assert.equal(await de.getAttribute("data-outcome"), "ACE");
    assert.match(await de.innerText(), /Germany/);
    await page.screenshot({ path: join(shots, "map.png"), fullPage: true });
  });

  await step("the classification questionnaire starts with a cited question", async () => {
    await page.goto(`${BASE}/ui/classify`);
    assert.match(await page.locator(".lead").innerText(), /Question 1/);
    const cite = page.locator(".q-cite a.cite").first();
    assert.match(await cite.getAttribute("href"), /^https:\/\/www\.ecfr\.gov\//);
    await page.screenshot({ path: join(shots, "classify.png"), fullPage: true });
  });

  await step("the questionnaire classifies an exploit framework as 4D004 and carries it to the form", async () => {
    // The answers of crates/classify/tests/archetypes/exploit_c2_framework.yaml.
    const answers = {
      item_type: "software", published: "no", fundamental_research: "no", catalog_course: "no",
      function_family: "intrusion", item_role: "operates", excluded_kind: "none",
      evades_or_defeats: "yes", extracts_or_redirects: "yes", generates_controls_delivers: "yes",
      update_only: "no", encryption_overlap: "none",
    };
    for (let asked = 0; (await page.locator("#use-eccn").count()) === 0; asked += 1) {
      assert.ok(asked < 30, "the questionnaire ends");
      const question = await page.locator(".choices input[type=radio]").first().getAttribute("name");
      assert.ok(question in answers, `unexpected question ${question}`);
      await page.locator(`.choices input[name="${question}"][value="${answers[question]}"]`).check();
      await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Next" }).click()]);
    }
    assert.match(await page.locator("section.banner").innerText(), /4D004/);
    assert.ok((await page.locator("table.qa a.cite").count()) > 0, "the path cites the regulation");
    await Promise.all([page.waitForURL(/\/ui\?eccn=4D004$/), page.locator("#use-eccn").click()]);
    assert.equal(await page.getByLabel("ECCN, with its").inputValue(), "4D004");
    await page.screenshot({ path: join(shots, "form.png"), fullPage: true });
  });

  await step("no console errors or blocked resources", async () => {
    assert.deepEqual(problems, []);
  });
} catch {
  // Reported by `step`.
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

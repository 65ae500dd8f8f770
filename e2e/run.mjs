// End-to-end test of ace's web UI in headless Chromium (Debian's `chromium`), driven by
// playwright-core. It builds and starts nothing: scripts/e2e.sh builds `ace`, creates a
// reviewer token, starts `ace serve` and runs this with ACE_URL and ACE_TOKEN.
//
// It signs in, decides 4D004 to Israel for "NSO Group" (LICENSE_REQUIRED, Entity List hit,
// 15 CFR 744.11 linked to the eCFR), decides 4D004 to Germany for "Cytrox Digital Labs"
// (HOLD: two review-band matches against Cytrox AD, on the Entity List and the SDN list,
// shown in an amber banner with each open item, its outcome if true, the outcome if all
// are false positives and the review buttons), checks that Enter in the reason box does
// not submit, finds the hold in the review queue, checks the HOLD memo (watermark, no
// signature block), records a false positive and a true match through the confirmation
// page and sees the determination decided again (HOLD with one item, then PROHIBITED),
// sees the earlier decisions applied to a later determination, verifies the record chain,
// opens the memo of the current state, and checks the map and the questionnaire.
//
// It also checks what a compliance officer files: outcomes in words, the list snapshot's
// date and age on the result, the memo's letterhead from the server's settings file
// (scripts/e2e.sh starts the server with examples/server-settings.toml), a reference and
// item description carried from the form to the memo, the world map (a country reached
// with the keyboard shows its outcome and reason), and — at 1440 and 390 px wide — that no
// main page overflows sideways (WCAG 1.4.10) and that axe-core finds no violation.
// Screenshots go to e2e/screenshots/.

import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
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

/** axe-core's browser build, evaluated in each page checked (no network, no page script). */
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** The widths every main page is checked at: a desktop and a phone (iPhone 12–15). */
const WIDTHS = [1440, 390];
/** The company of examples/server-settings.toml, which scripts/e2e.sh serves with. */
const COMPANY = "Example Security GmbH";

/** A name whose best match scores between the review and hit thresholds (0.70–0.85). */
const NEEDS_REVIEW_NAME = "Cytrox Digital Labs";
const REASON = "Berlin start-up founded 2023; no link to the listed Cytrox AD (checked register)";
const TRUE_REASON = "Same company: the Berlin office is a Cytrox AD branch (address in the SDN entry)";

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
async function determine(page, { eccn, destination, name, kind, reference, description }) {
  await page.goto(`${BASE}/ui`);
  await page.getByLabel("ECCN, with its").fill(eccn);
  await page.getByLabel("Country or region").fill(destination);
  await page.getByLabel("Name (screened against the lists)").fill(name);
  await page.getByLabel("Government or not").selectOption(kind);
  if (reference) await page.getByLabel("Your reference").fill(reference);
  if (description) await page.getByLabel("Item description").fill(description);
  await Promise.all([
    page.waitForURL(/\/ui\/determinations\/\d+/),
    page.getByRole("button", { name: "Screen and decide" }).click(),
  ]);
  return Number(new URL(page.url()).pathname.split("/").pop());
}

/** axe-core's violations on the page as it is now, each as "rule: target …". */
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  return result;
}

/** How far the page is wider than the window (0: no horizontal scrolling). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
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
let nsoRecord = 0;
/** The records of the held determination's line, oldest first. */
const line = [];
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
    nsoRecord = await determine(page, {
      eccn: "4D004", destination: "Israel", name: "NSO Group", kind: "non_government",
      reference: "PO-2026-117", description: "Exploit development kit",
    });
    assert.equal(await outcome(page), "LICENSE_REQUIRED");
    assert.equal(await page.locator("section.banner .label").innerText(), "License required", "the outcome in words");
    assert.match(await page.locator("section.banner .lists-age").innerText(), /Lists as of \d{4}-\d\d-\d\d .*when decided.*today/);
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

  await step("4D004 to Germany for a review-band name: HOLD, amber, with both open matches and their buttons", async () => {
    firstGermany = await determine(page, { eccn: "4D004", destination: "Germany", name: NEEDS_REVIEW_NAME, kind: "non_government" });
    line.push(firstGermany);
    assert.equal(await outcome(page), "HOLD");
    const banner = page.locator("section.banner");
    assert.match(await banner.getAttribute("class"), /\bo-hold\b/);
    const text = await banner.innerText();
    assert.match(text, /On hold — not an authorization/);
    assert.match(text, /If every match is a false positive:\s*✓?\s*Authorized under License Exception ACE/);
    assert.equal(await banner.locator(".symbol").innerText(), "‖", "a symbol, not colour alone");
    // Amber, never green: the banner's background is not the ACE green.
    const bg = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(bg, "rgb(230, 244, 234)", "HOLD does not look like ACE");
    const items = banner.locator("li.hold-item");
    assert.equal(await items.count(), 2, "two open items");
    const lists = await items.evaluateAll((els) => els.map((e) => e.dataset.list).sort());
    assert.deepEqual(lists, ["EL", "SDN"]);
    for (const list of lists) {
      const item = banner.locator(`li.hold-item[data-list="${list}"]`);
      const itemText = await item.innerText();
      assert.match(itemText, /Cytrox/);
      assert.match(itemText, /Why it is open:/);
      assert.match(itemText, /If true:\s*\S*\s*(Prohibited|License required)/);
      assert.equal(await item.getByRole("button", { name: "True match…" }).count(), 1);
      assert.equal(await item.getByRole("button", { name: "False positive…" }).count(), 1);
    }
    await page.screenshot({ path: join(shots, "result-hold.png"), fullPage: true });
    await banner.screenshot({ path: join(shots, "hold-banner.png") });
  });

  await step("Enter in the reason box adds a line and submits nothing", async () => {
    const item = page.locator('section.banner li.hold-item[data-list="EL"]');
    const reason = item.getByLabel("Reason for the decision");
    await reason.fill("first line");
    await reason.press("Enter");
    await reason.pressSequentially("second line");
    await page.waitForTimeout(400);
    assert.equal(new URL(page.url()).pathname, `/ui/determinations/${firstGermany}`);
    assert.equal(await reason.inputValue(), "first line\nsecond line");
    await reason.fill("");
  });

  await step("the review queue lists the held determination with its open matches", async () => {
    await Promise.all([page.waitForURL(/\/ui\/queue$/), page.getByRole("link", { name: "Review queue" }).click()]);
    const row = page.locator(`table.queue tr[data-record="${firstGermany}"]`);
    assert.equal(await row.count(), 1, "the held determination is listed");
    assert.equal(await row.locator("ul.queue-matches li").count(), 2);
    const rowText = await row.innerText();
    assert.match(rowText, /Entity List/);
    assert.match(rowText, /OFAC SDN List/);
    assert.equal(await row.locator(`a[href="/ui/determinations/${firstGermany}"]`).count(), 1);
    await page.screenshot({ path: join(shots, "queue.png"), fullPage: true });
  });

  await step("every main page at 1440 and 390 px: no sideways overflow, no axe-core violation", async () => {
    const pages = [
      ["form", `${BASE}/ui`],
      ["result", `${BASE}/ui/determinations/${nsoRecord}`],
      ["result-hold", `${BASE}/ui/determinations/${firstGermany}`],
      ["memo", `${BASE}/ui/records/${nsoRecord}/memo`],
      ["memo-hold", `${BASE}/ui/records/${firstGermany}/memo`],
      ["records", `${BASE}/ui/records`],
      ["map", `${BASE}/ui/map?eccn=4D004&end_user=government`],
      ["queue", `${BASE}/ui/queue`],
    ];
    const found = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, url] of pages) {
        await page.goto(url);
        const wider = await overflow(page);
        if (wider > 0) found.push(`${name} at ${width}px: ${wider}px wider than the window`);
        for (const v of await axeViolations(page)) found.push(`${name} at ${width}px: ${v}`);
        if (width < 500) await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(found, []);
  });

  await step("the memo of a HOLD: ON HOLD watermark, no signature block", async () => {
    await page.goto(`${BASE}/ui/records/${firstGermany}/memo`);
    const mark = await page.locator(".watermark").evaluate((el) => getComputedStyle(el, "::before").content);
    assert.equal(mark, '"ON HOLD"', "the watermark says ON HOLD");
    assert.equal(await page.locator(".signature").count(), 0, "no signature block");
    const text = await page.locator("article.memo-sheet").innerText();
    assert.match(text, /Not for signature/i);
    assert.match(text, /Cytrox/);
    assert.doesNotMatch(text, /Name and title/);
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator(".watermark").isVisible(), true, "the watermark is printed");
    await page.screenshot({ path: join(shots, "memo-hold-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
  });

  await step("a false positive asks for confirmation, then the determination is decided again (one item left)", async () => {
    await page.goto(`${BASE}/ui/determinations/${firstGermany}`);
    const item = page.locator('section.banner li.hold-item[data-list="EL"]');
    await item.getByLabel("Reason for the decision").fill(REASON);
    await Promise.all([page.waitForURL(/\/ui\/reviews$/), item.getByRole("button", { name: "False positive…" }).click()]);
    assert.equal(await page.locator("h1").innerText(), "Confirm: false positive");
    assert.ok((await page.locator("main").innerText()).includes(REASON), "the confirmation repeats the reason");
    await page.screenshot({ path: join(shots, "confirm.png"), fullPage: true });
    await Promise.all([
      page.waitForURL(/\/ui\/determinations\/\d+/),
      page.getByRole("button", { name: "Record: false positive" }).click(),
    ]);
    const now = Number(new URL(page.url()).pathname.split("/").pop());
    assert.notEqual(now, firstGermany, "the review decided the determination again as a new record");
    line.push(now);
    assert.equal(await outcome(page), "HOLD");
    const items = page.locator("section.banner li.hold-item");
    assert.equal(await items.count(), 1, "one item left");
    assert.equal(await items.first().getAttribute("data-list"), "SDN");
  });

  await step("a true match on the SDN entry: the banner turns PROHIBITED", async () => {
    const item = page.locator('section.banner li.hold-item[data-list="SDN"]');
    await item.getByLabel("Reason for the decision").fill(TRUE_REASON);
    await Promise.all([page.waitForURL(/\/ui\/reviews$/), item.getByRole("button", { name: "True match…" }).click()]);
    assert.equal(await page.locator("h1").innerText(), "Confirm: true match");
    assert.match(await page.locator("main").innerText(), /becomes\s*✕?\s*Prohibited/);
    await Promise.all([
      page.waitForURL(/\/ui\/determinations\/\d+/),
      page.getByRole("button", { name: "Record: true match" }).click(),
    ]);
    const now = Number(new URL(page.url()).pathname.split("/").pop());
    assert.ok(!line.includes(now), "decided again as a new record");
    line.push(now);
    assert.equal(await outcome(page), "PROHIBITED");
    assert.match(await page.locator("section.banner").innerText(), /Prohibited/);
    assert.equal(await page.locator("section.banner li.hold-item").count(), 0);
    const history = await page.locator(".history").innerText();
    for (const id of line) assert.ok(history.includes(`#${id}`), `the line lists #${id}`);
    await page.screenshot({ path: join(shots, "result-after-review.png"), fullPage: true });
  });

  await step("the queue no longer lists it; the old record says it was superseded", async () => {
    await page.goto(`${BASE}/ui/queue`);
    for (const id of line) assert.equal(await page.locator(`table.queue tr[data-record="${id}"]`).count(), 0, `#${id} left the queue`);
    await page.goto(`${BASE}/ui/determinations/${firstGermany}`);
    assert.match(await page.locator(".notice.superseded").innerText(), new RegExp(`#${line[line.length - 1]}`));
    assert.equal(await page.locator("section.banner form.review-form").count(), 0, "no review buttons on a superseded record");
  });

  await step("a second determination for the same party applies the earlier decisions", async () => {
    const second = await determine(page, { eccn: "4D004", destination: "Germany", name: NEEDS_REVIEW_NAME, kind: "non_government" });
    assert.ok(!line.includes(second));
    assert.equal(await outcome(page), "PROHIBITED");
    const settled = await page.locator("ul.matches.resolved").innerText();
    assert.match(settled, /False positive/);
    assert.match(settled, /True match/);
  });

  await step("records: filter, open one, verify the chain", async () => {
    await page.goto(`${BASE}/ui/records`);
    assert.ok((await page.locator("table.records tbody tr").count()) >= 4);
    await page.getByLabel("Kind").selectOption("review");
    await Promise.all([page.waitForURL(/kind=review/), page.getByRole("button", { name: "Filter" }).click()]);
    assert.equal(await page.locator("table.records tbody tr").count(), 2);
    await Promise.all([page.waitForURL(/\/ui\/records\/\d+$/), page.locator("table.records tbody tr a").first().click()]);
    assert.match(await page.locator("h1").innerText(), /Record #\d+\s+review/);
    await page.goto(`${BASE}/ui/records`);
    await Promise.all([page.waitForURL(/\/ui\/records\/verify$/), page.getByRole("button", { name: "Verify the chain" }).click()]);
    assert.match(await page.locator("section.banner").innerText(), /Chain intact/);
  });

  await step("the printable memo shows the current state, the line and the reviews", async () => {
    await page.goto(`${BASE}/ui/determinations/${firstGermany}`);
    await Promise.all([page.waitForURL(/\/memo$/), page.getByRole("link", { name: "Printable memo" }).click()]);
    assert.equal(await page.locator("h1").innerText(), "Export Determination Memo");
    const text = await page.locator("article.memo-sheet").innerText();
    assert.match(text, /Guidance, not legal advice/);
    assert.match(text, /Record hash/);
    assert.match(text, /PROHIBITED/);
    assert.match(text, /History of this determination/i);
    assert.equal(await page.locator(".watermark").count(), 0);
    assert.match(text, /Signature/);
    assert.ok(text.includes(REASON), "the memo shows the review");
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator(".memo-toolbar").isVisible(), false, "the toolbar is not printed");
    await page.screenshot({ path: join(shots, "memo-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
  });

  await step("the memo carries the letterhead of the settings file, the reference, exporter, item and a licence line", async () => {
    await page.goto(`${BASE}/ui/records/${nsoRecord}/memo`);
    const head = await page.locator("header.memo-head").innerText();
    assert.match(head, new RegExp(COMPANY));
    assert.match(head, /Friedrichstraße 1/);
    assert.match(head, /Reference\s*PO-2026-117/);
    assert.match(head, /Exporter\s*Example Security GmbH, EORI/);
    assert.match(head, /4D004 — Exploit development kit/);
    assert.match(head, /Lists as of \d{4}-\d\d-\d\d/);
    const licence = page.getByLabel("Licence number");
    assert.equal(await licence.inputValue(), "", "the licence number is left to fill in");
    await page.emulateMedia({ media: "print" });
    assert.equal(await licence.isVisible(), true, "the licence line is printed");
    await page.screenshot({ path: join(shots, "memo-letterhead-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
  });

  await step("the map for 4D004, government end user: countries coloured, reached by keyboard, the reason shown", async () => {
    await page.goto(`${BASE}/ui/map`);
    await page.getByLabel("ECCN").selectOption("4D004");
    await Promise.all([page.waitForURL(/end_user=non_government/), page.locator("label[for=eu-non_government]").click()]);
    await Promise.all([page.waitForURL(/end_user=government/), page.locator("label[for=eu-government]").click()]);
    assert.match(page.url(), /eccn=4D004/);
    const cn = page.locator('svg.world a.country[data-code="CN"]');
    assert.equal(await cn.getAttribute("data-outcome"), "LICENSE_REQUIRED");
    assert.equal(await cn.getAttribute("aria-label"), "China: License required");
    const fill = await cn.locator("path").first().evaluate((el) => getComputedStyle(el).fill);
    assert.equal(fill, "rgb(240, 168, 28)", "China is painted in the licence-required colour");
    assert.ok((await page.locator("svg.world a.country").count()) > 200, "real country outlines");
    // The keyboard: from the form's last button, Tab lands on a country of the map.
    await page.getByRole("button", { name: "Show" }).focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el && el.matches("svg.world a.country") ? el.getAttribute("data-code") : null;
    });
    assert.ok(focused, "Tab from the filters reaches a country on the map");
    // Focused, a country shows its outcome and why, in the page (not a tooltip).
    await cn.focus();
    const panel = page.locator("#map-focus");
    assert.equal(await panel.isVisible(), true);
    const shown = await panel.innerText();
    assert.match(shown, /China/);
    assert.match(shown, /License required/);
    assert.match(shown, /Why:.*15 CFR/s);
    // The same data in the table beside the map; following the link goes to its row.
    const row = page.locator("table.destinations tr#dest-CN");
    assert.match(await row.innerText(), /License required/);
    await page.keyboard.press("Enter");
    await page.waitForURL(/#dest-CN$/);
    const de = page.locator('table.destinations tr[data-code="DE"]');
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

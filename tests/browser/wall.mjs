// The command centre's wall in real Chromium: at 1920×1080 it fits the
// screen without scrolling, its numbers are large, every text keeps 4.5:1
// contrast on what it sits on, the map has a square per building, and a
// report filed meanwhile appears in the live stream and recolours its
// building without a reload; no panel goes blank after updates. Then the
// same page on a phone, stacked, and a grid head's wall of 25 buildings.
//
// Run by tests/api/centre.rs: LINLI_URL, LINLI_PASSWORD, LINLI_CHROMIUM,
// LINLI_ARTIFACTS, LINLI_WALL_BUILDINGS (buildings in 永兴街道).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const BASE = process.env.LINLI_URL;
const PASSWORD = process.env.LINLI_PASSWORD;
const ARTIFACTS = process.env.LINLI_ARTIFACTS;
const BUILDINGS = Number(process.env.LINLI_WALL_BUILDINGS);
const B85 = "32060201100301085";
mkdirSync(ARTIFACTS, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error("check failed: " + message);
  console.log("ok -", message);
}

async function signIn(context, username) {
  const page = await context.newPage();
  await page.goto(`${BASE}/login?next=/centre`);
  await page.fill("#username", username);
  await page.fill("#password", PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${BASE}/centre`);
  await page.waitForFunction(() => Number(document.body.dataset.updates || 0) >= 1);
  await page.evaluate(() => { window.__sameDocument = true; });
  return page;
}

// Every visible text on the page: its size in screen pixels, and the
// contrast of its colour against what is painted beneath its middle (its
// own background, the SVG shape under it, or the nearest painted ancestor).
function audit() {
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c || "");
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (x, y) => { const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p); return (hi + 0.05) / (lo + 0.05); };
  const shapes = new Set(["rect", "circle", "path", "polygon", "ellipse"]);
  const beneath = (el, x, y) => {
    for (const e of document.elementsFromPoint(x, y)) {
      const cs = getComputedStyle(e);
      if (e instanceof SVGElement) {
        if (shapes.has(e.tagName)) { const f = parse(cs.fill); if (f && f.a > 0.5) return f; }
        continue;
      }
      const bg = parse(cs.backgroundColor);
      if (bg && bg.a > 0.5) return bg;
    }
    return parse(getComputedStyle(document.documentElement).backgroundColor) || { r: 255, g: 255, b: 255, a: 1 };
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "title"].includes(el.tagName)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    // Hidden by a panel's overflow or under something else: not seen.
    if (!document.elementsFromPoint(x, y).some((e) => e === el || el.contains(e))) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || Number(cs.opacity) === 0) continue;
    const svg = el instanceof SVGElement;
    const colour = parse(svg ? cs.fill : cs.color);
    const scale = svg ? el.ownerSVGElement.getScreenCTM().a : 1;
    const text = el.textContent.trim().slice(0, 30);
    out.push({ text, px: parseFloat(cs.fontSize) * scale, contrast: ratio(colour, beneath(el, x, y)) });
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: process.env.LINLI_CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

try {
  // The wall: 1920×1080, as the street's command centre.
  const wallContext = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: "zh-CN" });
  const wall = await signIn(wallContext, "zhihui");
  const size = await wall.evaluate(() => ({ scroll: document.documentElement.scrollHeight, height: innerHeight, width: document.documentElement.scrollWidth }));
  check(size.scroll <= size.height && size.width <= 1920, `the wall fits 1920×1080 without scrolling (${size.width}×${size.scroll})`);
  for (const id of ["kpi-open", "kpi-overdue", "kpi-closure", "kpi-ontime", "kpi-satisfaction"]) {
    const px = await wall.evaluate((i) => parseFloat(getComputedStyle(document.getElementById(i)).fontSize), id);
    check(px >= 48, `#${id} is ${px.toFixed(0)} px`);
  }
  const texts = await wall.evaluate(audit);
  check(texts.length > 100, `${texts.length} visible texts audited`);
  const small = texts.filter((t) => t.px < 19.5);
  check(small.length === 0, "no text under 20 px at 1920 wide" + (small.length ? ": " + JSON.stringify(small.slice(0, 5)) : ""));
  const faint = texts.filter((t) => t.contrast < 4.5);
  check(faint.length === 0, "every text has contrast ≥ 4.5:1" + (faint.length ? ": " + JSON.stringify(faint.slice(0, 5)) : ""));
  check(await wall.locator("#map .bldg").count() === BUILDINGS, `the map has ${BUILDINGS} buildings`);
  check(await wall.locator("#map .bldg[data-state=overdue]").count() >= 1, "the late lift's building is red");
  const updatesBefore = await wall.evaluate(() => Number(document.body.dataset.updates));
  await wall.screenshot({ path: join(ARTIFACTS, "wall-1920.png") });

  // A grid head's wall beside it: 第六网格's 25 buildings, nothing late there.
  const headContext = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: "zh-CN" });
  const head = await signIn(headContext, "wanggezhang");
  check(await head.locator("#map .bldg").count() === 25, "the grid head's map has 第六网格's 25 buildings");

  // A resident reports at 85栋 (no account needed).
  const reply = await fetch(`${BASE}/api/v1/cases`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ category: "water_drainage", description: "85栋2单元楼道里水管漏水", building: B85, unit: 2 }),
  });
  check(reply.status === 201, "the resident's report is filed");
  const caseId = (await reply.json()).id;
  for (const [name, page] of [["command centre", wall], ["grid head", head]]) {
    await page.waitForFunction((id) => document.querySelector("#feed li.ev")?.dataset.case === String(id), caseId, { timeout: 15000 }).catch(() => {});
    const first = await page.evaluate(() => document.querySelector("#feed li.ev")?.dataset.case);
    check(first === String(caseId), `the ${name}'s stream shows the report first (#${first})`);
    await page.waitForFunction((code) => document.querySelector(`#map .bldg[data-code="${code}"]`)?.dataset.state === "open", B85, { timeout: 15000 });
    const fill = await page.evaluate((code) => getComputedStyle(document.querySelector(`#map .bldg[data-code="${code}"] rect`)).fill, B85);
    check(fill === "rgb(242, 179, 61)", `85栋 turned amber on the ${name}'s map (${fill})`);
    check(await page.evaluate(() => window.__sameDocument === true), `the ${name}'s wall updated without reloading`);
  }
  check((await wall.textContent("#feed li.ev .what")).includes("越江新村85栋2单元"), "the stream names the place");
  check(await wall.evaluate((n) => Number(document.body.dataset.updates) > n, updatesBefore), "the wall took a live update");

  // After the updates no panel is blank: the centre's overdue list names the
  // lift; the grid head's, with nothing late, says 无.
  for (const [name, page, want] of [["command centre", wall, /超期/], ["grid head", head, /^无$/]]) {
    for (const id of ["overdue", "feed", "ranking", "status", "today", "month", "kpis"]) {
      const items = await page.locator(`#${id} li, #${id} strong, #${id} svg`).count();
      check(items > 0, `${name}: #${id} is not blank after ${await page.evaluate(() => document.body.dataset.updates)} updates`);
    }
    const overdue = (await page.locator("#overdue li").allTextContents()).map((t) => t.trim());
    check(overdue.length > 0 && overdue.every((t) => want.test(t) || /超期/.test(t)) && want.test(overdue.join(" ")), `${name}: the overdue list reads "${overdue[0]}"`);
  }
  const again = await wall.evaluate(audit);
  check(again.filter((t) => t.contrast < 4.5 || t.px < 19.5).length === 0, "after the updates every text is still large and legible");
  await wall.screenshot({ path: join(ARTIFACTS, "wall-1920-after-report.png") });
  await head.screenshot({ path: join(ARTIFACTS, "wall-1920-grid-head.png") });

  // A phone: 390 px wide, panels stacked, nothing wider than the screen.
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: "zh-CN" });
  const phone = await signIn(phoneContext, "zhihui");
  const phoneSize = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(phoneSize <= 390, `no sideways scrolling on a phone (${phoneSize} px)`);
  const lefts = await phone.evaluate(() => [...document.querySelectorAll(".panel")].map((p) => Math.round(p.getBoundingClientRect().left)));
  check(new Set(lefts).size === 1, "the panels are stacked in one column");
  check(await phone.locator("#map .bldg").count() === BUILDINGS, "the phone's map has every building");
  const phoneTexts = await phone.evaluate(audit);
  const phoneFaint = phoneTexts.filter((t) => t.contrast < 4.5);
  check(phoneFaint.length === 0, "the phone's texts keep their contrast" + (phoneFaint.length ? ": " + JSON.stringify(phoneFaint.slice(0, 5)) : ""));
  await phone.screenshot({ path: join(ARTIFACTS, "wall-phone.png") });
  await phone.screenshot({ path: join(ARTIFACTS, "wall-phone-full.png"), fullPage: true });
  console.log("wall passed");
} finally {
  await browser.close();
}

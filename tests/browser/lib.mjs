// What the browser journeys share: the server and browser they are given,
// a phone, screenshots, tap counting, the contrast and target-size audit,
// and signing in by keyboard.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

export const BASE = process.env.LINLI_URL;
export const PASSWORD = process.env.LINLI_PASSWORD;
export const ARTIFACTS = process.env.LINLI_ARTIFACTS;
mkdirSync(ARTIFACTS, { recursive: true });

export function check(condition, message) {
  if (!condition) throw new Error("check failed: " + message);
  console.log("ok -", message);
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.LINLI_CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: "zh-CN",
  userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148" };

/// Full-page screenshots numbered in order, named `{prefix}NN-{name}.png`.
export function shooter(prefix) {
  let shot = 0;
  return async (page, name) => {
    shot += 1;
    await page.screenshot({ path: join(ARTIFACTS, `${prefix}${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
  };
}

// Taps per role, from the moment its journey starts.
export const taps = {};
export async function tap(role, what, action) {
  taps[role] = (taps[role] || 0) + 1;
  console.log(`  ${role} tap ${taps[role]}: ${what}`);
  await action();
}

// WCAG AA contrast for every visible text, and 44 px for every control.
export const problems = [];
export async function audit(page, name) {
  const found = await page.evaluate(() => {
    const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0]; const p = m[1].split(",").map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const over = (top, under) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1); };
    const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e); if (s.backgroundImage !== "none") return null; layers.push(parse(s.backgroundColor)); }
      let bg = [255, 255, 255, 1];
      for (const layer of layers.reverse()) bg = over(layer, bg);
      return bg;
    };
    const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && !el.closest("details:not([open]) > :not(summary)"); };
    const label = (el) => `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""} "${(el.innerText || el.value || "").trim().slice(0, 24)}"`;
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
      if (!visible(el) || !Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      const s = getComputedStyle(el);
      const bg = background(el);
      if (!bg) continue;
      const fg = over(parse(s.color), bg);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(s.fontSize); const bold = Number(s.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) out.push(`contrast ${ratio.toFixed(2)} < ${need}: ${label(el)}`);
    }
    const controls = "button, a.button, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea, summary, header nav a, .tabs a, .notices a, .case-list a, label:has(> input[type=radio])";
    // A link standing on its own (not a word inside a sentence) is a control too.
    const standalone = (a) => !Array.from(a.parentElement.childNodes).some((n) => n !== a && n.nodeType === 3 && n.textContent.replace(/[\s·、|]/g, "").length > 0);
    const links = Array.from(document.querySelectorAll("main a")).filter(standalone);
    for (const el of [...document.querySelectorAll(controls), ...links]) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.height < 43.5) out.push(`target ${Math.round(r.height)} px tall: ${label(el)}`);
    }
    return out;
  });
  for (const p of found) problems.push(`${name}: ${p}`);
  console.log(`audit ${name}: ${found.length} problem(s)`);
}

export async function signIn(context, username, next) {
  const page = await context.newPage();
  await page.goto(`${BASE}/login?next=${encodeURIComponent(next)}`);
  // By keyboard only: the form works without a mouse.
  await page.focus("#username");
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${BASE}${next}*`);
  return page;
}


// Reloads `page` until `ready()` holds (what the background worker writes
// arrives a moment later), a quarter second apart, at most `times` times.
export async function reloadUntil(page, ready, times = 40) {
  for (let i = 0; i < times && !(await ready()); i++) {
    await page.waitForTimeout(250);
    await page.reload();
  }
}

// Types `text` in the building chat open in `page` and sends it (one tap
// for `role`); the thread of the message once `ready(thread)` holds.
export async function sendInChat(page, role, text, ready) {
  await page.getByLabel("消息").fill(text);
  await tap(role, "发送", () => page.getByRole("button", { name: "发送" }).click());
  await page.waitForURL(/sent=1/);
  const thread = page.locator("li.latest");
  await reloadUntil(page, () => ready(thread), 20);
  return thread;
}

// A small PNG (a lamp-coloured square of `size` px) to upload as a photo.
export function png(size) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr[8] = 8; ihdr[9] = 2;
  const rows = [];
  for (let y = 0; y < size; y++) { rows.push(Buffer.from([0])); for (let x = 0; x < size; x++) rows.push(Buffer.from([250, 200, 40])); }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

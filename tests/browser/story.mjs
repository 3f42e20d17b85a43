// The seed's first story in real Chromium: a resident reports from the
// building page on a phone, the property company handles it, the grid
// member verifies, the resident sees it closed and rates it — while the
// command centre, open in another window, updates without reloading.
//
// Run by tests/api/browser.rs: LINLI_URL, LINLI_PASSWORD, LINLI_CHROMIUM, LINLI_ARTIFACTS.
import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { join } from "node:path";

const BASE = process.env.LINLI_URL;
const PASSWORD = process.env.LINLI_PASSWORD;
const ARTIFACTS = process.env.LINLI_ARTIFACTS;
const B98 = "32060201100301098";
mkdirSync(ARTIFACTS, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error("check failed: " + message);
  console.log("ok -", message);
}

// A small PNG (a lamp-coloured square) to upload as the photo.
function png(size) {
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
const photo = join(ARTIFACTS, "lamp.png");
writeFileSync(photo, png(64));

const browser = await chromium.launch({
  executablePath: process.env.LINLI_CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: "zh-CN",
  userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148" };
let shot = 0;
async function snap(page, name) { shot += 1; await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true }); }

async function signIn(context, username, next) {
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

try {
  // The command centre, on a desktop screen.
  const centreContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  const centre = await signIn(centreContext, "zhihui", "/centre");
  await centre.waitForFunction(() => Number(document.body.dataset.updates || 0) >= 1);
  await centre.evaluate(() => { window.__sameDocument = true; });
  const openBefore = Number(await centre.textContent("#kpi-open"));
  await snap(centre, "centre-before");

  // 1. A resident on a phone reports from the building page.
  const residentContext = await browser.newContext(phone);
  const resident = await residentContext.newPage();
  await resident.goto(`${BASE}/buildings/${B98}`);
  check((await resident.textContent("h1")).includes("越江新村98栋"), "the building page names 98栋");
  await snap(resident, "resident-building");
  await resident.getByRole("link", { name: "反映问题 →" }).click();
  await resident.getByLabel("问题描述（必填）").fill("三单元的楼道灯不亮，晚上上下楼看不见");
  await resident.getByLabel("单元").selectOption("3");
  await resident.getByLabel("现场照片（可不传）").setInputFiles(photo);
  await snap(resident, "resident-report-form");
  await resident.getByRole("button", { name: "提交" }).click();
  await resident.waitForURL(/\/follow\/\d+\?token=/);
  const followUrl = resident.url();
  const caseId = followUrl.match(/\/follow\/(\d+)/)[1];
  check((await resident.textContent("#status")).includes("已派遣"), "the report is dispatched at once");
  check((await resident.textContent("main")).includes("南通越江物业服务有限公司"), "it went to the property company managing 98栋");
  await snap(resident, "resident-followed");

  // The command centre saw it arrive, without a reload.
  await centre.waitForFunction((before) => Number(document.getElementById("kpi-open").textContent) > before, openBefore);
  check(await centre.evaluate(() => window.__sameDocument === true), "the command centre updated without reloading");
  await snap(centre, "centre-after-report");

  // 2. The property company accepts it and reports it fixed, with a photo.
  const propertyContext = await browser.newContext(phone);
  const property = await signIn(propertyContext, "wuye", "/app/cases");
  await property.getByRole("link", { name: new RegExp(`#${caseId} `) }).click();
  await property.locator('form[data-action="accept"] button').click();
  await property.waitForURL(/done=1/);
  check((await property.textContent("#status")).includes("处理中"), "the property company accepted the job");
  await property.locator('form[data-action="resolve"] textarea').fill("已更换感应灯");
  await property.locator('form[data-action="resolve"] input[type=file]').setInputFiles(photo);
  await property.locator('form[data-action="resolve"] button').click();
  await property.waitForURL(/done=1/);
  check((await property.textContent("#status")).includes("待核查"), "it is reported fixed");
  await snap(property, "property-resolved");

  // 3. The micro-grid member verifies it on site.
  const memberContext = await browser.newContext(phone);
  const member = await signIn(memberContext, "weiwangge", `/app/cases/${caseId}`);
  await member.locator('form[data-action="close"] textarea').fill("现场核查，灯已亮");
  await member.locator('form[data-action="close"] button').click();
  await member.waitForURL(/done=1/);
  check((await member.textContent("#status")).includes("已结案"), "the grid member closed it");
  await snap(member, "member-closed");

  // 4. The resident sees it closed and rates it.
  await resident.goto(followUrl);
  check((await resident.textContent("#status")).includes("已结案"), "the resident sees it closed");
  await resident.getByLabel("5 星").check();
  await resident.getByRole("button", { name: "提交评价" }).click();
  await resident.waitForURL(/done=1/);
  check((await resident.textContent("#status")).includes("已评价"), "the rating is recorded");
  await snap(resident, "resident-rated");

  // The command centre's rates moved, still without a reload.
  await centre.waitForFunction(() => document.getElementById("kpi-satisfaction").textContent.includes("100"));
  check(await centre.evaluate(() => window.__sameDocument === true), "still the same document");
  await snap(centre, "centre-after-rating");

  // English is one tap away.
  await member.goto(`${BASE}/lang/en?next=/app/cases`);
  check((await member.textContent("h1")).includes("Cases"), "the app switches to English");
  console.log("browser story passed");
} finally {
  await browser.close();
}

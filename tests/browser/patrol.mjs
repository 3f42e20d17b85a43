// The patrol officer of 园林社区 scans the plate at the building site (the
// URL its QR carries, decoded by the Rust side with zbarimg) on a phone
// that shares its position: signs in once, taps 正常, then reports
// uncovered dust with a photo, which becomes a case. Taps are counted;
// the page is audited.
//
// Run by tests/api/browser.rs: LINLI_URL, LINLI_PASSWORD, LINLI_CHROMIUM,
// LINLI_ARTIFACTS and LINLI_PATROL_URL.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, audit, check, launch, phone, png, problems, shooter, signIn, tap, taps } from "./lib.mjs";

const url = process.env.LINLI_PATROL_URL;
const photo = join(ARTIFACTS, "dust.png");
writeFileSync(photo, png(48));
const browser = await launch();
const snap = shooter("patrol-");

try {
  const context = await browser.newContext({ ...phone, geolocation: { latitude: 31.9779, longitude: 120.8836 }, permissions: ["geolocation"] });
  const page = await signIn(context, "xuncha", new URL(url).pathname);
  check((await page.locator("h1").textContent()).includes("建筑工地"), "the plate opens the building site's patrol page");
  await audit(page, "patrol page");
  await snap(page, "checkpoint");
  await tap("officer", "正常", () => page.getByRole("button", { name: "正常" }).click());
  await page.waitForFunction(() => document.getElementById("result").dataset.visit);
  const first = await page.locator("#result").getAttribute("data-visit");
  check((await page.locator("#result").getAttribute("data-position")) === "near", "the phone beside the site: the visit is near");
  check(taps.officer === 1, `正常 took ${taps.officer} tap once the plate was scanned`);
  await page.selectOption("#problem", "dust_uncovered");
  await tap("officer", "拍照", () => page.locator("#photo").setInputFiles(photo));
  await tap("officer", "上报问题", () => page.getByRole("button", { name: "上报问题" }).click());
  await page.waitForFunction((first) => { const r = document.getElementById("result"); return r.dataset.visit && r.dataset.visit !== first; }, first);
  const said = await page.locator("#result").textContent();
  check(/工单 #\d+/.test(said), `the problem became a case: ${said}`);
  await snap(page, "problem-filed");
  console.log(`taps: officer ${taps.officer} (正常 1; a problem with a photo 2 after choosing its type)`);
  check(problems.length === 0, `pages meet contrast and target size:\n  ${problems.join("\n  ")}`);
  console.log("browser patrol journey passed");
} finally {
  await browser.close();
}

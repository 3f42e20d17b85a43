// The seed's third story on phones, against the shipped binary: community
// staff start a stairwell sweep of 越江社区 from the list page; the member of
// 98栋 sweeps it — two clean units with one tap each, then, with the network
// switched off, a 飞线充电 in 3单元 with a photo, queued on the phone (the
// page itself reloads from the phone with no signal); back online, two open
// tabs send the queue at once and the finding is filed exactly once. Staff
// issue the 整改告知单 and print it; the grid head reads the building × unit
// matrix. Taps and the sweep's seconds are printed; pages are audited.
//
// Run by tests/api/browser.rs: LINLI_URL, LINLI_PASSWORD, LINLI_CHROMIUM, LINLI_ARTIFACTS.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, BASE, audit, check, launch, phone, png, problems, shooter, signIn, tap, taps } from "./lib.mjs";

const B98 = "32060201100301098";

const photo = join(ARTIFACTS, "cable.png");
writeFileSync(photo, png(64));

const browser = await launch();
const snap = shooter("sweep-");
const unit = (page, n) => page.locator(`section.unit[data-building="${B98}"][data-unit="${n}"]`);
const queueCount = (page) => page.locator("#queue").getAttribute("data-count");

try {
  // 1. Community staff start the sweep from the list page (the demo's running sweep is listed too).
  const staff = await signIn(await browser.newContext(phone), "shequ", "/app/campaigns");
  check((await staff.locator("[data-campaign]").count()) >= 1, "the demo's running sweep of 越江新村 is listed");
  await staff.fill("#name", "越江新村楼道隐患地毯式排查（第二轮）");
  await staff.selectOption("#node", "320602011003");
  await snap(staff, "staff-start");
  await audit(staff, "campaign list");
  await tap("staff", "发起排查", () => staff.getByRole("button", { name: /发起排查/ }).click());
  await staff.waitForURL(/\/app\/campaigns\/\d+$/);
  const id = staff.url().match(/\/app\/campaigns\/(\d+)$/)[1];
  check(taps.staff === 1, `starting a sweep of the whole community took ${taps.staff} tap after typing its name`);

  // 2. The member of 98栋 opens her sweep: 98栋's five units, assigned by the tree.
  const memberContext = await browser.newContext(phone);
  const member = await signIn(memberContext, "weiwangge", "/app/campaigns");
  await tap("member", "去排查", () => member.locator(`[data-campaign="${id}"] a.button`).click());
  await member.waitForURL(new RegExp(`/app/campaigns/${id}/sweep$`));
  await unit(member, 5).waitFor();
  check((await member.locator("section.unit").count()) === 5, "the sweep page lists 98栋's five units");
  await member.waitForFunction(() => document.getElementById("sweep").dataset.kept === "1");
  const started = Date.now();
  for (const n of [1, 2]) {
    await tap("member", `${n}单元 无隐患`, () => unit(member, n).getByRole("button", { name: "无隐患" }).click());
    await member.waitForFunction((n) => document.querySelector(`section.unit[data-unit="${n}"]`)?.classList.contains("done"), n);
  }
  await member.waitForFunction(() => document.getElementById("queue").dataset.count === "0");
  const cleanSeconds = (Date.now() - started) / 1000;
  check(taps.member === 3, `two clean units took one tap each (${taps.member - 1} taps after opening the sweep)`);
  await snap(member, "member-two-clean");
  await audit(member, "sweep page");

  // 3. No signal in the stairwell: the page reloads from the phone and the finding is queued.
  await memberContext.setOffline(true);
  await member.reload();
  await unit(member, 3).waitFor();
  check((await member.locator("#net").textContent()).includes("无信号"), "offline, the page says records stay on the phone");
  check((await unit(member, 1).locator(".badge").textContent()).includes("无隐患"), "offline, the kept data shows 1单元 clean");
  const findingTaps = taps.member;
  await tap("member", "3单元 有隐患", () => unit(member, 3).getByRole("button", { name: "有隐患" }).click());
  await tap("member", "飞线充电", () => unit(member, 3).getByRole("button", { name: "飞线充电" }).click());
  await tap("member", "拍照", () => unit(member, 3).locator("#photo").setInputFiles(photo));
  await tap("member", "提交隐患", () => unit(member, 3).getByRole("button", { name: "提交隐患" }).click());
  await member.waitForFunction(() => document.getElementById("queue").dataset.count === "1");
  const queued = await member.locator("#queue").textContent();
  check(queued.includes("待发送 1 条"), `the page shows what is still queued: ${queued}`);
  const findingCost = taps.member - findingTaps;
  check(findingCost === 4, `a finding with a photo took ${findingCost} taps`);
  await snap(member, "member-offline-queued");
  // A second tab of the same phone, opened without signal, holds the same queue.
  const second = await memberContext.newPage();
  await second.goto(`${BASE}/app/campaigns/${id}/sweep`);
  await second.waitForFunction(() => document.getElementById("queue").dataset.count === "1").catch(() => {});
  const secondQueue = await second.locator("#queue").textContent();
  check(secondQueue.includes("待发送 1 条"), `a second tab opened offline shows the same queued finding: ${secondQueue}`);

  // 4. Signal again: both tabs send the queue at once; the key files it once.
  await memberContext.setOffline(false);
  await Promise.all([member, second].map((p) => p.evaluate(() => window.linliSweep.flush())));
  for (const p of [member, second]) await p.waitForFunction(() => document.getElementById("queue").dataset.count === "0", null, { timeout: 20000 });
  await member.reload();
  await unit(member, 3).locator(".finding-line").first().waitFor();
  const sweepSeconds = (Date.now() - started) / 1000;
  const data = await member.evaluate(async (id) => (await fetch(`/api/v1/campaigns/${id}/sweep`)).json(), id);
  const filed = data.findings.filter((f) => f.building_code === B98);
  check(filed.length === 1, `the queued finding was filed exactly once (${filed.length})`);
  check(filed[0].check_code === "flying_cable" && filed[0].unit === 3 && filed[0].photos.length === 1, "飞线充电 in 3单元 with its photo");
  const line = await unit(member, 3).locator(".finding-line").first().textContent();
  check(line.includes("飞线充电"), `3单元 shows the finding as the server has it: ${line}`);
  await snap(member, "member-sent");

  // 5. Staff issue the notice from the campaign page and print it.
  await staff.goto(`${BASE}/app/campaigns/${id}`);
  const finding = staff.locator(`li.finding[data-finding="${filed[0].id}"]`);
  await tap("staff", "开具整改告知单", () => finding.getByRole("button", { name: "开具整改告知单" }).click());
  await finding.getByRole("link", { name: "打印整改告知单" }).waitFor();
  const pdf = await staff.request.get(`${BASE}/api/v1/findings/${filed[0].id}/notice.pdf`);
  check(pdf.status() === 200 && pdf.headers()["content-type"] === "application/pdf", "the 整改告知单 prints as a PDF");
  await snap(staff, "staff-campaign");
  await audit(staff, "campaign page");

  // 6. The grid head reads 98栋's row of the matrix at a glance.
  const head = await signIn(await browser.newContext(phone), "wanggezhang", `/app/campaigns/${id}`);
  const cells = await head.locator(`.mrow[data-building="${B98}"] .cell`).evaluateAll((els) => els.map((e) => e.className.replace("cell ", "")));
  check(JSON.stringify(cells) === JSON.stringify(["clean", "clean", "finding", "unswept", "unswept"]), `98栋 reads ${cells.join(", ")}`);
  await snap(head, "head-matrix");
  await audit(head, "grid head campaign page");

  // 7. The household scans the notice's QR: the live page, masked, and "已整改" with a photo.
  const live = await staff.evaluate(async (fid) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const r = await fetch(`/api/v1/findings/${fid}/notice`, { method: "POST", headers: { "X-CSRF-Token": csrf } });
    return (await r.json()).live_url;
  }, filed[0].id);
  const household = await (await browser.newContext(phone)).newPage();
  await household.goto(live);
  const shown = await household.locator("#notice").textContent();
  check(shown.includes("飞线充电") && shown.includes("越江新村98栋3单元") && !/1[3-9]\d{9}/.test(shown), `the live page shows the hazard, masked: ${shown.replace(/\s+/g, " ").trim().slice(0, 80)}`);
  await audit(household, "notice page");
  await tap("household", "拍照", () => household.locator("#photo").setInputFiles(photo));
  await tap("household", "已整改", () => household.getByRole("button", { name: /已整改/ }).click());
  await household.waitForFunction(() => document.getElementById("notice").dataset.state === "answered");
  check(taps.household === 2, `answering the notice with a photo took ${taps.household} taps`);
  await snap(household, "household-answered");

  // 7b. The member re-inspects from the sweep page without signal; it goes when the signal returns.
  await member.reload();
  const fixedButton = unit(member, 3).getByRole("button", { name: "复查：已整改" });
  await fixedButton.waitFor();
  await memberContext.setOffline(true);
  await tap("member", "复查：已整改", () => fixedButton.click());
  await member.waitForFunction(() => document.getElementById("queue").dataset.count === "1");
  check((await unit(member, 3).textContent()).includes("复查待发送"), "offline, the re-inspection waits on the phone");
  await memberContext.setOffline(false);
  await member.evaluate(() => window.linliSweep.flush());
  await member.waitForFunction(() => document.getElementById("queue").dataset.count === "0", null, { timeout: 20000 });
  const reinspected = await member.evaluate(async (fid) => (await (await fetch(`/api/v1/findings/${fid}`)).json()).finding.state, filed[0].id);
  check(reinspected === "fixed", `the re-inspection closed the finding (${reinspected})`);
  await snap(member, "member-reinspected");

  // 8. The street's enforcement officer records 拆除 on the demo sweep's overdue 飞线充电 (63栋).
  const officer = await signIn(await browser.newContext(phone), "zhifa", "/app/campaigns");
  const demo = await officer.locator("[data-campaign] a[href^='/app/campaigns/']:not(.button)").last().getAttribute("href");
  await officer.goto(`${BASE}${demo}`);
  const overdue = officer.locator('li.finding[data-state="enforcement"]').first();
  await overdue.waitFor();
  await overdue.locator("select[name=outcome]").selectOption("demolished");
  await tap("officer", "现场照片", () => overdue.locator("input[type=file]").setInputFiles(photo));
  await tap("officer", "记录执法结果", () => overdue.locator("form button[type=submit]").click());
  await officer.locator('li.finding[data-state="enforced"]').first().waitFor();
  const after = await officer.locator('li.finding[data-state="enforced"]').first().textContent();
  check(after.includes("拆除") && after.includes("已执法"), `the finding records 拆除 and waits for re-inspection`);
  await snap(officer, "officer-enforced");
  await audit(officer, "enforcement on the campaign page");

  console.log(`taps: member ${taps.member} (1 to open the sweep, 1 per clean unit, ${findingCost} for the finding with a photo, 1 to re-inspect), staff ${taps.staff}, household ${taps.household}, officer ${taps.officer}`);
  console.log(`seconds: two clean units ${cleanSeconds.toFixed(1)} s; the whole 98栋 sweep with the offline finding ${sweepSeconds.toFixed(1)} s`);
  check(problems.length === 0, `pages meet contrast and target size:\n  ${problems.join("\n  ")}`);
  console.log("browser sweep journey passed");
} finally {
  await browser.close();
}

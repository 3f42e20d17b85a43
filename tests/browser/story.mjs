// The seed's first story in real Chromium, each role on a phone: a resident
// reports in the building chat, the property company fixes it from its
// notice with a photo, the micro-grid member verifies it from the chat
// line, the resident rates it — while the command centre, open on a
// desktop, updates without reloading. Taps are counted per role and the
// journey fails above the goal; every page is checked for contrast (WCAG
// AA) and tap targets (44 px).
//
// Run by tests/api/browser.rs: LINLI_URL, LINLI_PASSWORD, LINLI_CHROMIUM, LINLI_ARTIFACTS.
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, BASE, audit, check, launch, phone, png, problems, reloadUntil, sendInChat, shooter, signIn, tap, taps } from "./lib.mjs";

const B98 = "32060201100301098";
// This run's screenshots only (other scripts' files stay).
for (const f of readdirSync(ARTIFACTS)) if (/^\d\d-.*\.png$/.test(f)) rmSync(join(ARTIFACTS, f));

const photo = join(ARTIFACTS, "lamp.png");
writeFileSync(photo, png(64));

const browser = await launch();
const snap = shooter("");

try {
  // The command centre, on a desktop screen.
  const centreContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  const centre = await signIn(centreContext, "zhihui", "/centre");
  await centre.waitForFunction(() => Number(document.body.dataset.updates || 0) >= 1);
  await centre.evaluate(() => { window.__sameDocument = true; });
  const openBefore = Number(await centre.textContent("#kpi-open"));
  await snap(centre, "centre-before");
  await audit(centre, "centre");

  // 1. A resident on a phone, without an account, reports in the building chat.
  const residentContext = await browser.newContext(phone);
  const resident = await residentContext.newPage();
  await resident.goto(`${BASE}/buildings/${B98}`);
  check((await resident.textContent("h1")).includes("越江新村98栋"), "the building page names 98栋");
  await snap(resident, "resident-building");
  await audit(resident, "building page");
  await tap("resident", "本楼楼栋群", () => resident.getByRole("link", { name: "本楼楼栋群" }).click());
  // linli's lines come from the worker a moment after the message.
  const thread = await sendInChat(resident, "resident", "三单元楼道灯不亮了，晚上上下楼看不见",
    async (t) => (await t.locator("ol.progress li").count()) >= 2);
  const caseLine = await thread.locator(".case-line").textContent();
  const caseId = caseLine.match(/#(\d+)/)[1];
  check(caseLine.includes("已派遣"), `the chat message became case #${caseId}, dispatched at once`);
  const lines = await thread.locator("ol.progress li").allTextContents();
  check(lines.length === 2 && lines[0].includes("【受理】") && lines[1].includes("【已派遣】"), `受理 then 已派遣 under the message: ${lines}`);
  await snap(resident, "resident-chat");
  await audit(resident, "chat");
  await tap("resident", "查看进度", () => thread.getByRole("link", { name: "查看进度" }).click());
  await resident.waitForURL(/\/follow\/\d+\?token=/);
  const followUrl = resident.url();
  check((await resident.textContent("main")).includes("南通越江物业服务有限公司"), "the follow page names the property company managing 98栋");
  await snap(resident, "resident-follow");
  await audit(resident, "follow page");

  // The command centre saw it arrive, without a reload.
  await centre.waitForFunction((before) => Number(document.getElementById("kpi-open").textContent) > before, openBefore);
  check(await centre.evaluate(() => window.__sameDocument === true), "the command centre updated without reloading");
  await snap(centre, "centre-after-report");

  // 2. The property company: from the notice to done with a photo.
  const propertyContext = await browser.newContext(phone);
  const property = await signIn(propertyContext, "wuye", "/app/cases");
  const notice = property.locator(`.notices a[href^="/app/cases/${caseId}?"]`);
  // The notice is written by the background worker.
  await reloadUntil(property, async () => (await notice.count()) > 0);
  check((await notice.textContent()).includes("新工单"), "the property company has the new job's notice");
  await snap(property, "property-inbox");
  await audit(property, "property inbox");
  taps.property = 0;
  await tap("property", "the notice", () => notice.click());
  await property.waitForURL(new RegExp(`/app/cases/${caseId}`));
  const resolve = property.locator('form.primary-action[data-action="resolve"]');
  check(await resolve.isVisible(), "reporting it fixed is the one primary action");
  await audit(property, "property case page");
  await snap(property, "property-case");
  await tap("property", "take a photo", () => resolve.locator("input[type=file]").setInputFiles(photo));
  await tap("property", "处置反馈", () => resolve.locator("button").click());
  await property.waitForURL(/done=1/);
  check((await property.textContent("#status")).includes("待核查"), "it is reported fixed, accepted on the way");
  check((await property.textContent(".timeline")).includes("签收"), "the history shows it was accepted");
  check(taps.property <= 3, `the property company needed ${taps.property} taps (goal ≤ 3)`);
  await snap(property, "property-resolved");

  // 3. The micro-grid member, in the building chat: from the 【已修复请确认】 line to closed.
  const memberContext = await browser.newContext(phone);
  const member = await signIn(memberContext, "weiwangge", `/buildings/${B98}/chat`);
  const verify = member.locator(`a[data-verify="${caseId}"]`);
  for (let i = 0; i < 20 && !(await verify.count()); i++) {
    await member.waitForTimeout(250);
    await member.reload();
  }
  check((await verify.locator("xpath=..").textContent()).includes("【已修复请确认】"), "the chat line says it is fixed and asks for a check");
  await snap(member, "member-chat");
  await audit(member, "member chat");
  taps.member = 0;
  await tap("member", "去核查", () => verify.click());
  await member.waitForURL(new RegExp(`/app/cases/${caseId}`));
  const close = member.locator('form.primary-action[data-action="close"]');
  check(await close.isVisible(), "verifying is the one primary action");
  await snap(member, "member-case");
  await audit(member, "member case page");
  await tap("member", "核查结案", () => close.locator("button").click());
  await member.waitForURL(/done=1/);
  check((await member.textContent("#status")).includes("已结案"), "the member closed it");
  check(taps.member <= 2, `the micro-grid member needed ${taps.member} taps (goal ≤ 2)`);
  check((await member.textContent(".timeline")).includes("（微网格员）"), "the history names her role");

  // 4. The resident sees it closed in the chat and rates it from the follow page.
  await resident.goto(`${BASE}/buildings/${B98}/chat`);
  const closedLine = await resident.locator(`li[data-message] .case-line:has-text("#${caseId}")`).textContent();
  check(closedLine.includes("已结案"), "the chat shows the case closed");
  await resident.goto(`${BASE}/follow`);
  await audit(resident, "my reports");
  await resident.locator(`a[href^="/follow/${caseId}"]`).click();
  check((await resident.textContent("#status")).includes("已结案"), "the resident sees it closed");
  await resident.getByLabel("5 星").check();
  await resident.getByRole("button", { name: "提交评价" }).click();
  await resident.waitForURL(/done=1/);
  check((await resident.textContent("#status")).includes("已评价"), "the rating is recorded");
  await snap(resident, "resident-rated");

  // Someone else in the group opening the same link sees progress only.
  const neighbour = await (await browser.newContext(phone)).newPage();
  await neighbour.goto(`${BASE}/cases/${caseId}`);
  check(!(await neighbour.locator("form").count()), "a neighbour sees the progress without the reporter's buttons");

  // 5. A report from the building page's form still goes straight through.
  await resident.goto(`${BASE}/buildings/${B98}`);
  await resident.getByRole("link", { name: "反映问题 →" }).click();
  await resident.getByLabel("问题描述（必填）").fill("二单元楼道的灯一直闪");
  await resident.getByLabel("单元").selectOption("2");
  await resident.getByLabel("现场照片（可不传）").setInputFiles(photo);
  await audit(resident, "report form");
  await resident.getByRole("button", { name: "提交" }).click();
  await resident.waitForURL(/\/follow\/\d+\?token=/);
  check((await resident.textContent("#status")).includes("已派遣"), "the form's report is dispatched at once");
  check(resident.url() !== followUrl, "as a case of its own");

  // The command centre's rates moved, still without a reload.
  await centre.waitForFunction(() => document.getElementById("kpi-satisfaction").textContent.includes("100"));
  check(await centre.evaluate(() => window.__sameDocument === true), "still the same document");
  await snap(centre, "centre-after-rating");

  // English is one tap away.
  await member.goto(`${BASE}/lang/en?next=/app/cases`);
  check((await member.textContent("h1")).includes("Cases"), "the app switches to English");

  console.log(`taps: ${JSON.stringify(taps)}`);
  check(problems.length === 0, `pages meet contrast and target size:\n  ${problems.join("\n  ")}`);
  console.log("browser story passed");
} finally {
  await browser.close();
}

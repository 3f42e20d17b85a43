// A danger reported in the building chat reaches the person who must act,
// marked urgent with the reason, on a phone: a resident (no account) types
// "车库里有辆电动车在冒烟" in 98栋's chat; the grid head opens the 【紧急：…】
// notice and sees on the case page why triage called it urgent and which
// words decided the category. Taps are counted; pages are audited.
//
// Run by tests/api/browser.rs: LINLI_URL, LINLI_PASSWORD, LINLI_CHROMIUM, LINLI_ARTIFACTS.
import { BASE, audit, check, launch, phone, problems, shooter, signIn, tap, taps } from "./lib.mjs";

const B98 = "32060201100301098";
const browser = await launch();
const snap = shooter("urgent-");

try {
  // 1. The resident, from the building page on a phone.
  const resident = await (await browser.newContext(phone)).newPage();
  await resident.goto(`${BASE}/buildings/${B98}`);
  await tap("resident", "本楼楼栋群", () => resident.getByRole("link", { name: "本楼楼栋群" }).click());
  await resident.getByLabel("消息").fill("车库里有辆电动车在冒烟！！快来人");
  await tap("resident", "发送", () => resident.getByRole("button", { name: "发送" }).click());
  await resident.waitForURL(/sent=1/);
  const thread = resident.locator("li.latest");
  for (let i = 0; i < 20 && (await thread.locator(".case-line").count()) < 1; i++) {
    await resident.waitForTimeout(250);
    await resident.reload();
  }
  const caseLine = await thread.locator(".case-line").textContent();
  const caseId = caseLine.match(/#(\d+)/)[1];
  check(Boolean(caseId), `the message became case #${caseId}: ${caseLine.trim()}`);
  check(taps.resident <= 2, `the resident needed ${taps.resident} taps from the building page (goal ≤ 2)`);
  await snap(resident, "resident-chat");
  await audit(resident, "chat");

  // 2. The grid head (fire safety goes to the grid head): the urgent notice, then the case.
  const head = await signIn(await browser.newContext(phone), "wanggezhang", "/app/cases");
  const notice = head.locator(`.notices a[href^="/app/cases/${caseId}?"]`);
  for (let i = 0; i < 40 && (await notice.count()) < 1; i++) {
    // The notice is written by the background worker: look again.
    await head.waitForTimeout(250);
    await head.reload();
  }
  const said = (await notice.first().textContent()).trim();
  check(said.includes("【紧急：电动车或电池起火冒烟（“电动车”“冒烟”）】"), `the notice says why it is urgent: ${said}`);
  await snap(head, "head-inbox");
  await audit(head, "grid head inbox");
  await tap("head", "the notice", () => notice.first().click());
  await head.waitForURL(new RegExp(`/app/cases/${caseId}`));
  const why = (await head.textContent("#urgent-reason")).trim();
  check(why.includes("电动车或电池起火冒烟"), `the case page says why: ${why}`);
  const reading = (await head.textContent("#reading")).trim();
  check(reading.includes("消防安全") && reading.includes("电动车"), `the case page shows triage's reading: ${reading}`);
  check(taps.head <= 1, `the grid head needed ${taps.head} tap from the inbox to the case (goal ≤ 1)`);
  await snap(head, "head-case");
  await audit(head, "grid head case page");

  check(problems.length === 0, `pages meet contrast and target size:\n  ${problems.join("\n  ")}`);
  console.log("browser urgent journey passed");
} finally {
  await browser.close();
}

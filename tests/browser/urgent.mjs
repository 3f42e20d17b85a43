// A danger reported in the building chat reaches the person who must act,
// marked urgent with the reason, on a phone: a resident (no account) types
// "车库里有辆电动车在冒烟" in 98栋's chat; the grid head opens the 【紧急：…】
// notice and sees on the case page why triage called it urgent and which
// words decided the category; a report through the building's form carries
// its reason the same way. Taps are counted; pages are audited.
//
// Run by tests/api/browser.rs: LINLI_URL, LINLI_PASSWORD, LINLI_CHROMIUM, LINLI_ARTIFACTS.
import { BASE, audit, check, launch, phone, problems, reloadUntil, sendInChat, shooter, signIn, tap, taps } from "./lib.mjs";

const B98 = "32060201100301098";
const browser = await launch();
const snap = shooter("urgent-");

try {
  // 1. The resident, from the building page on a phone.
  const resident = await (await browser.newContext(phone)).newPage();
  await resident.goto(`${BASE}/buildings/${B98}`);
  await tap("resident", "本楼楼栋群", () => resident.getByRole("link", { name: "本楼楼栋群" }).click());
  const thread = await sendInChat(resident, "resident", "车库里有辆电动车在冒烟！！快来人",
    async (t) => (await t.locator(".case-line").count()) > 0);
  const caseLine = await thread.locator(".case-line").textContent();
  const caseId = caseLine.match(/#(\d+)/)[1];
  check(Boolean(caseId), `the message became case #${caseId}: ${caseLine.trim()}`);
  check(taps.resident <= 2, `the resident needed ${taps.resident} taps from the building page (goal ≤ 2)`);
  await snap(resident, "resident-chat");
  await audit(resident, "chat");

  // 2. The grid head (fire safety goes to the grid head): the urgent notice, then the case.
  const head = await signIn(await browser.newContext(phone), "wanggezhang", "/app/cases");
  const notice = head.locator(`.notices a[href^="/app/cases/${caseId}?"]`);
  // The notice is written by the background worker.
  await reloadUntil(head, async () => (await notice.count()) > 0);
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

  // 3. Another resident uses the building's report form (a different danger, so it is not
  //    held as a duplicate of the first): the property company's notice says why.
  const neighbour = await (await browser.newContext(phone)).newPage();
  await neighbour.goto(`${BASE}/buildings/${B98}`);
  await tap("neighbour", "反映问题", () => neighbour.getByRole("link", { name: "反映问题 →" }).click());
  await neighbour.fill("#description", "3单元一楼电表箱门开着，电线裸露在外面，小孩老去摸");
  await tap("neighbour", "提交", () => neighbour.locator("form button[type=submit]").click());
  await neighbour.waitForURL(/\/follow\/\d+\?token=/);
  const formCase = neighbour.url().match(/\/follow\/(\d+)/)[1];
  check(taps.neighbour <= 2, `the report form needed ${taps.neighbour} taps from the building page (goal ≤ 2)`);
  await snap(neighbour, "neighbour-follow");
  await audit(neighbour, "follow page");
  const property = await signIn(await browser.newContext(phone), "wuye", "/app/cases");
  const formNotice = property.locator(`.notices a[href^="/app/cases/${formCase}?"]`);
  await reloadUntil(property, async () => (await formNotice.count()) > 0);
  const formSaid = (await formNotice.first().textContent()).trim();
  check(formSaid.includes("【紧急：电线裸露或电箱异常（“电表箱”“裸露”）】"), `the form's report is urgent with its reason: ${formSaid}`);
  await snap(property, "property-inbox");

  check(problems.length === 0, `pages meet contrast and target size:\n  ${problems.join("\n  ")}`);
  console.log("browser urgent journey passed");
} finally {
  await browser.close();
}

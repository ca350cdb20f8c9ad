// run.mjs drives a browser through the lab page for lab's Go tests:
//
//	node run.mjs '{"browser":"chrome"|"firefox","executablePath":"…","args":[…],
//	               "prefs":{…},"pages":[{"url":"…","screenshot":"out.png","link":{"loss":5,"delay":30}},…],
//	               "runs":1,"timeoutMs":90000}'
//
// It starts the browser once and opens each page's url in turn (the url
// should carry ?runs=N), sets the link through the page's controls if
// "link" says so, waits until the page has made its runs (or, with "runs":
// 0, is ready), saves a
// full-page screenshot, and prints one line of JSON: the browser, and for
// each page its protocol, its status line, and window.lab.runs (the
// waterfall's rows, the browser's and the server's view of each request).
import puppeteer from 'puppeteer-core';

const opts = JSON.parse(process.argv[2]);
const launch = {
  browser: opts.browser,
  executablePath: opts.executablePath,
  headless: true,
  // The window's size, not setViewport: Firefox ESR 140's WebDriver BiDi
  // lacks the screen orientation override that setViewport sends.
  args: [...(opts.args || []), '--window-size=1800,1200'],
  defaultViewport: null,
  timeout: opts.timeoutMs, // starting Firefox on a busy machine takes a while
  protocolTimeout: opts.timeoutMs,
};
if (opts.browser === 'firefox') launch.extraPrefsFirefox = opts.prefs || {};

// A browser that fails to start (it happens now and then on a busy
// machine, "Code: null") is started again, up to three times.
async function start() {
  for (let i = 1; ; i++) {
    try {
      return await puppeteer.launch(launch);
    } catch (e) {
      if (i >= 3) throw e;
      process.stderr.write(`launch ${i} failed, retrying: ${e.message.split('\n')[0]}\n`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

// visit opens url and reads the page once its runs are made. A browser
// aborts its requests when the host's network changes (Chromium's
// ERR_NETWORK_CHANGED): other labs adding or removing their links' devices
// do that. Such a visit is made again, up to three times in all.
async function visit(browser, page) {
  let out;
  for (let attempt = 1; attempt <= 3; attempt++) {
    out = await visitOnce(browser, page);
    out.attempts = attempt;
    const changed = out.logs.some((l) => /NETWORK_CHANGED/.test(l));
    if (!changed || (out.state === 'done' && out.runs.every((r) => !r.failed))) return out;
    process.stderr.write(`${page.url}: the network changed during the run; visiting again\n`);
  }
  return out;
}

// setLink types loss (%) and delay (ms) into the page's Link controls and
// presses Apply, as a teacher would, and waits for the page to confirm.
async function setLink(page, { loss, delay }) {
  await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: opts.timeoutMs, polling: 100 });
  for (const [id, v] of [['#loss', loss], ['#delay', delay]]) {
    await page.$eval(id, (el) => { el.value = ''; });
    await page.type(id, String(v));
  }
  await page.click('#apply');
  await page.waitForFunction(() => /^(The link now|Could not)/.test(document.getElementById('status').textContent),
    { timeout: opts.timeoutMs, polling: 100 });
}

async function visitOnce(browser, { url, screenshot, link }) {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: opts.timeoutMs });
    if (link) await setLink(page, link);
    const runs = opts.runs ?? 1;
    try {
      await page.waitForFunction(
        (n) => document.body.dataset.state === 'error' || (n === 0 && document.body.dataset.state === 'ready') ||
          (document.body.dataset.state === 'done' && window.lab.runs.length >= n),
        { timeout: opts.timeoutMs, polling: 200 }, runs);
    } catch (e) {
      logs.push('waiting for the runs: ' + e.message);
    }
    const out = await page.evaluate(() => ({
      state: document.body.dataset.state,
      status: document.getElementById('status').textContent,
      pageProto: document.getElementById('page-proto').textContent,
      svg: window.lab?.svgText ? window.lab.svgText() : '', // what Export SVG saves
      summaryRows: document.querySelectorAll('#runs tbody tr').length,
      matrix: [...document.querySelectorAll('#matrix tbody tr')].map((tr) => [...tr.cells].map((td) => td.textContent)),
      runs: (window.lab?.runs || []).map(({ server, ...r }) => r),
    }));
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    out.logs = logs;
    return out;
  } catch (e) {
    return { state: 'driver error', status: e.message, logs, runs: [] };
  } finally {
    await page.close();
  }
}

const browser = await start();
const out = { userAgent: await browser.userAgent(), pages: [] };
try {
  for (const p of opts.pages) out.pages.push(await visit(browser, p));
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');

// run.mjs drives a browser through the lab page for lab's Go tests:
//
//	node run.mjs '{"browser":"chrome"|"firefox","executablePath":"…","args":[…],
//	               "prefs":{…},"url":"…","runs":1,"screenshot":"out.png","timeoutMs":90000}'
//
// It opens url (which should carry ?auto=1 or ?runs=N), waits until the page
// has made its runs, saves a full-page screenshot, and prints one line of
// JSON: the page's protocol, its status line, and window.lab.runs (the
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
  protocolTimeout: opts.timeoutMs,
};
if (opts.browser === 'firefox') launch.extraPrefsFirefox = opts.prefs || {};
if (opts.profile) launch.userDataDir = opts.profile;

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

const browser = await start();
let out;
try {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
  await page.goto(opts.url, { waitUntil: 'load', timeout: opts.timeoutMs });
  const runs = opts.runs || 1;
  try {
    await page.waitForFunction(
      (n) => document.body.dataset.state === 'error' || (document.body.dataset.state === 'done' && window.lab.runs.length >= n),
      { timeout: opts.timeoutMs, polling: 200 }, runs);
  } catch (e) {
    logs.push('waiting for the runs: ' + e.message);
  }
  out = await page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status').textContent,
    pageProto: document.getElementById('page-proto').textContent,
    svgBytes: (document.querySelector('#waterfall svg')?.outerHTML || '').length,
    summaryRows: document.querySelectorAll('#runs tbody tr').length,
    runs: (window.lab?.runs || []).map(({ server, ...r }) => ({ ...r, serverConns: server?.conns })),
  }));
  out.userAgent = await browser.userAgent();
  out.logs = logs;
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');

// Lighthouse runs for tests/test_lighthouse.py, in one Chromium: a job per line on stdin
// ({"url", "categories", "stem"}), its reports written to STEM.report.json and .html, and a
// line on stdout when they are. Starting node, Lighthouse and Chromium once instead of once
// a run is most of what a run of the CLI costs; every run still resets the page's storage
// and cache (Lighthouse's default), so each one loads the page as a first visit.
import fs from 'node:fs';
import readline from 'node:readline';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: JSON.parse(process.argv[2]),
});
try {
  for await (const line of readline.createInterface({input: process.stdin})) {
    const job = JSON.parse(line);
    const result = await lighthouse(job.url, {
      port: chrome.port, output: ['json', 'html'], onlyCategories: job.categories, logLevel: 'error',
      // The full-page screenshot only illustrates the HTML report (no audit scores it) and took
      // a fifth of each run.
      disableFullPageScreenshot: true,
    });
    fs.writeFileSync(`${job.stem}.report.json`, result.report[0]);
    fs.writeFileSync(`${job.stem}.report.html`, result.report[1]);
    process.stdout.write(JSON.stringify({done: job.stem}) + '\n');
  }
} finally {
  await chrome.kill();
}
// Every report is written and its line read. Lighthouse leaves handles open that kept node
// alive for another four seconds after the last run.
process.exit(0);

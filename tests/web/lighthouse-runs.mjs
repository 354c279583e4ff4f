// Lighthouse on several pages in turn, in one Chromium: the calls Lighthouse's own command
// line makes for one page (chrome-launcher, then `lighthouse(url, flags)` on its port), made
// for each page in the order given. Each run starts from a fresh tab with the storage reset,
// as a run of the command line does; only starting Node, loading Lighthouse and launching the
// browser are done once. Driven by tests/web/lighthouse.py:
//
//   node lighthouse-runs.mjs '{"root": ".../node_modules", "chromePath": "/usr/bin/chromium",
//     "chromeFlags": [...], "categories": [...], "skipAudits": [...],
//     "runs": [{"url": ..., "output": ...}]}'
//
// Each report is written as JSON to its run's `output`; a run that fails writes nothing and
// the script exits 1 after the others, saying why on stderr.

import {pathToFileURL} from 'node:url';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';

const job = JSON.parse(process.argv[2]);
const from = (path) => import(pathToFileURL(join(job.root, path)).href);
const {default: lighthouse} = await from('lighthouse/core/index.js');
const chromeLauncher = await from('chrome-launcher/dist/index.js');

const chrome = await chromeLauncher.launch({
  chromePath: job.chromePath,
  chromeFlags: job.chromeFlags,
  logLevel: 'error',
});
let failed = false;
try {
  for (const run of job.runs) {
    try {
      const result = await lighthouse(run.url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: job.categories,
        skipAudits: job.skipAudits,
        disableFullPageScreenshot: true,
      });
      if (!result || result.lhr.runtimeError) {
        const error = result ? result.lhr.runtimeError : {code: 'NO_RESULT', message: ''};
        throw new Error(`${error.code}: ${error.message}`);
      }
      await writeFile(run.output, result.report);
    } catch (error) {
      failed = true;
      process.stderr.write(`${run.url}: ${error.stack || error}\n`);
    }
  }
} finally {
  await chrome.kill();
}
process.exit(failed ? 1 : 0);

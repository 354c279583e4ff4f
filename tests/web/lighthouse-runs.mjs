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
//
// A newly started Chromium loads its first page slower than the next (measured on the Today
// page: a speed index of 2.2 s, then 0.8 s, the same page each time), because its own caches
// (fonts, compiled code) start empty, which a person's browser does not. The first page is
// therefore run once more before the runs, performance only, and that report is dropped.

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
const flags = {
  port: chrome.port,
  output: 'json',
  logLevel: 'error',
  skipAudits: job.skipAudits,
  disableFullPageScreenshot: true,
};
try {
  if (job.runs.length) {
    await lighthouse(job.runs[0].url, {...flags, onlyCategories: ['performance']});
  }
  for (const run of job.runs) {
    try {
      const result = await lighthouse(run.url, {...flags, onlyCategories: job.categories});
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

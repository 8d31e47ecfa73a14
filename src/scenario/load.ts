import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { ScenarioFileSchema, STEP_KINDS, STEP_SCHEMAS, type ScenarioFile, type StepKind } from './schema.js';
import type { Scenario, ScenarioStep, SourcePos } from './types.js';

/**
 * Reads a scenario file (YAML, or JSON, which YAML reads too), validates it against the schema, and
 * reports every problem as `file:line:column: /path: message`, the position taken from the YAML
 * source so an editor can jump there.
 */
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const validateFile = ajv.compile<ScenarioFile>(ScenarioFileSchema);
const validateStep = Object.fromEntries(STEP_KINDS.map((k) => [k, ajv.compile(STEP_SCHEMAS[k])])) as Record<
  StepKind,
  ValidateFunction
>;

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new BridgeError(ErrorCode.CONFIG_UNREADABLE, `cannot read scenario ${file}: ${(e as Error).message}`, {
      file,
    });
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (path: readonly (string | number)[], key?: string): SourcePos => ({
    file,
    ...positionOf(doc, lines, path, key),
  });
  if (doc.errors.length > 0) {
    throw invalid(
      file,
      doc.errors.map((e) => {
        const p = lines.linePos(e.pos[0]);
        return `${file}:${p.line}:${p.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const problems: string[] = [];
  const fileOk = validateFile(value);
  if (!fileOk) problems.push(...describeErrors(validateFile.errors ?? [], [], at));
  // Steps are checked even when the rest is wrong, so one run shows every problem.
  const rawSteps = (value as { steps?: unknown } | null)?.steps;
  const steps: ScenarioStep[] = [];
  (Array.isArray(rawSteps) ? rawSteps : []).forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return; // reported above
    const kinds = Object.keys(raw).filter((k): k is StepKind => (STEP_KINDS as string[]).includes(k));
    if (kinds.length !== 1) {
      const found =
        kinds.length === 0
          ? `found ${
              Object.keys(raw)
                .map((k) => `"${k}"`)
                .join(', ') || 'nothing'
            }`
          : `found ${kinds.join(' and ')}`;
      problems.push(
        `${fmt(at(['steps', i]))}: /steps/${i}: a step has exactly one of ${STEP_KINDS.join(', ')} (${found})`,
      );
      return;
    }
    const kind = kinds[0]!;
    const validate = validateStep[kind];
    if (!validate(raw)) {
      problems.push(...describeErrors(validate.errors ?? [], ['steps', i], at));
      return;
    }
    steps.push({ kind, number: i + 1, at: at(['steps', i]), spec: raw } as ScenarioStep);
  });
  if (!fileOk || problems.length > 0) throw invalid(file, problems);

  const base = dirname(resolve(file));
  const link = value.link;
  return {
    file,
    name: value.name,
    description: value.description,
    link:
      typeof link === 'object' && link.kind === 'replay' ? { kind: 'replay', file: resolve(base, link.file) } : link,
    devices: value.devices !== undefined ? resolve(base, value.devices) : undefined,
    seed: value.seed,
    time: value.time,
    speed: value.speed,
    initialStatus: value.initialStatus,
    steps,
  };
}

const fmt = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;

function invalid(file: string, problems: string[]): BridgeError {
  const unique = [...new Set(problems)];
  return new BridgeError(ErrorCode.SCENARIO_INVALID, `invalid scenario ${unique.join('\n')}`, {
    file,
    problems: unique,
  });
}

/** Line and column of the node at `path` (or of its key `key`), or of the nearest ancestor that exists. */
function positionOf(
  doc: Document,
  lines: LineCounter,
  path: readonly (string | number)[],
  key?: string,
): { line: number; column: number } {
  let p = [...path];
  let node = p.length === 0 ? doc.contents : doc.getIn(p, true);
  while (node === undefined && p.length > 0) {
    p = p.slice(0, -1);
    key = undefined;
    node = p.length === 0 ? doc.contents : doc.getIn(p, true);
  }
  let offset = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isScalar(it.key) && it.key.value === key);
    const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (keyRange) offset = keyRange[0];
  }
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeErrors(
  errors: readonly ErrorObject[],
  prefix: (string | number)[],
  at: (path: (string | number)[], key?: string) => SourcePos,
): string[] {
  // A wrong `link` fails every alternative of its union: say it once.
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: string[] = [];
  for (const e of errors) {
    if (
      e.keyword !== 'anyOf' &&
      [...unionPaths].some((u) => e.instancePath === u || e.instancePath.startsWith(`${u}/`))
    )
      continue;
    const path = [...prefix, ...pointerSegments(e.instancePath)];
    const pointer = `/${path.join('/')}`.replace(/\/$/, '') || '/';
    let key: string | undefined;
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties':
        key = String(e.params['additionalProperty']);
        message = `unknown field "${key}"`;
        break;
      case 'required':
        message = `missing field "${String(e.params['missingProperty'])}"`;
        break;
      case 'enum':
        message = `must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => String(v)).join(', ')}`;
        break;
      case 'anyOf':
        message =
          'must be emulated, firmware, or an object such as {kind: serial, port: /dev/ttyACM0} or {kind: ' +
          'replay, file: rec.jsonl}';
        break;
      case 'minProperties':
        message = 'must not be empty';
        break;
      case 'pattern':
      case 'type': {
        const description = (e.parentSchema as { description?: string } | undefined)?.description;
        message = description
          ? `must be ${description[0]!.toLowerCase()}${description.slice(1).replace(/\.$/, '')}`
          : (e.message ?? e.keyword);
        break;
      }
      default:
        message = e.message ?? e.keyword;
    }
    out.push(`${fmt(at(path, key))}: ${pointer}: ${message}`);
  }
  return out;
}

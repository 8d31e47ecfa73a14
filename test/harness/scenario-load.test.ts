import { describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { parseScenario } from '../../src/scenario/load.js';

const problemsOf = (text: string, file = 'x.yaml'): string[] => {
  try {
    parseScenario(text, file);
  } catch (e) {
    if (!isBridgeError(e, 'SCENARIO_INVALID')) throw e;
    return e.context['problems'] as string[];
  }
  throw new Error('the scenario was accepted');
};

describe('scenario files', () => {
  it('reads every step kind with its position', () => {
    const s = parseScenario(
      [
        'name: all steps',
        'seed: 3',
        'steps:',
        '  - set: { raining: true, indoorTemperature: 21 }',
        '  - press: aircon',
        '    hold: 1.5s',
        '  - pushWindow: open',
        '  - send: "016155010"',
        '    topic: webos/smarthome',
        '  - send: { command: control, id: 7, light: true }',
        '  - wait: 1m30s',
        '  - expect: { topic: webos/report/smarthome/info, fields: { command: ack, id: "7" }, within: 2s }',
        '  - fault: broker-outage',
        '    for: 5s',
        '    name: the broker goes away for five seconds',
      ].join('\n'),
      'dir/all.yaml',
    );
    expect(s.name).toBe('all steps');
    expect(s.seed).toBe(3);
    expect(s.steps.map((st) => st.kind)).toEqual([
      'set',
      'press',
      'pushWindow',
      'send',
      'send',
      'wait',
      'expect',
      'fault',
    ]);
    expect(s.steps.map((st) => st.at.line)).toEqual([4, 5, 7, 8, 10, 11, 12, 13]);
    expect(s.steps[1]!.at).toEqual({ file: 'dir/all.yaml', line: 5, column: 5 });
    expect(s.steps[7]!.spec).toEqual({
      fault: 'broker-outage',
      for: '5s',
      name: 'the broker goes away for five seconds',
    });
  });

  it('reads JSON too, with positions', () => {
    const s = parseScenario(
      '{\n  "name": "json",\n  "steps": [\n    { "send": "016155010" },\n    { "expect": { "status": ' +
        '"016155010" } }\n  ]\n}\n',
      'j.json',
    );
    expect(s.steps.map((st) => [st.kind, st.at.line])).toEqual([
      ['send', 4],
      ['expect', 5],
    ]);
  });

  it('rejects every problem at once, each with file:line:column', () => {
    const problems = problemsOf(
      [
        'name: broken', // 1
        'link: { kind: serial }', // 2
        'steps:', // 3
        '  - send: "016155010"', // 4
        '    qos: 1', // 5
        '  - wait: 2 sec', // 6
        '  - expect: { status: "01615501" }', // 7
        '  - press: door', // 8
        '  - send: "1"', // 9
        '    expect: { status: "016155010" }', // 10
        '  - {}', // 11
        '  - expect: {}', // 12
        '  - fault: power-cut', // 13
        '  - set: { raining: yes please }', // 14
      ].join('\n'),
      'broken.yaml',
    );
    expect(problems).toEqual([
      'broken.yaml:2:7: /link: must be emulated, firmware, or an object such as {kind: serial, port: ' +
        '/dev/ttyACM0} or {kind: replay, file: rec.jsonl}',
      'broken.yaml:5:5: /steps/0: unknown field "qos"',
      'broken.yaml:6:11: /steps/1/wait: must be a duration: 500ms, 2s, 1m30s, 1h, or a number of milliseconds',
      'broken.yaml:7:23: /steps/2/expect/status: must be nine characters, each a digit or x (any digit)',
      'broken.yaml:8:12: /steps/3/press: must be one of aircon, light, gas',
      'broken.yaml:9:5: /steps/4: a step has exactly one of set, press, pushWindow, send, wait, expect, fault ' +
        '(found send and expect)',
      'broken.yaml:11:5: /steps/5: a step has exactly one of set, press, pushWindow, send, wait, expect, fault ' +
        '(found nothing)',
      'broken.yaml:12:13: /steps/6/expect: must not be empty',
      'broken.yaml:13:12: /steps/7/fault: must be one of serial-garbage, unplug, replug, board-reset, ' +
        'broker-outage, broker-restore',
      'broken.yaml:14:21: /steps/8/set/raining: must be boolean',
    ]);
  });

  it('names a missing name and empty steps', () => {
    expect(problemsOf('steps: []\n', 'e.yaml')).toEqual([
      'e.yaml:1:1: /: missing field "name"',
      'e.yaml:1:8: /steps: must NOT have fewer than 1 items',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('name: x\nsteps:\n  - wait: 1s\n  - send: "016155010" b\n', 's.yaml')).toEqual([
      's.yaml:4:23: Unexpected scalar at node end',
    ]);
    expect(problemsOf('name: x\nsteps:\n  - wait: 1s\n\t- wait: 2s\n', 't.yaml')[0]).toBe(
      't.yaml:4:1: Tabs are not allowed as indentation',
    );
  });

  it('rejects duplicate keys', () => {
    const [p] = problemsOf('name: x\nname: y\nsteps:\n  - wait: 1s\n', 'd.yaml');
    expect(p).toMatch(/^d\.yaml:2:1: .*unique/i);
  });

  it('resolves devices and replay files against the scenario directory', () => {
    const s = parseScenario(
      'name: r\ndevices: ../devices.json\nlink: { kind: replay, file: rec/a.jsonl }\nsteps:\n  - wait: 1s\n',
      '/srv/scn/a.yaml',
    );
    expect(s.devices).toBe('/srv/devices.json');
    expect(s.link).toEqual({ kind: 'replay', file: '/srv/scn/rec/a.jsonl' });
  });
});

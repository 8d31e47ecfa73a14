import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { QUEUE_DEFAULTS, ROUTE_NAMES } from '../core/routes.js';

/**
 * devices.json: the one source of truth for the house. This schema gives validation, the TypeScript
 * type (`DevicesConfig`), the defaults, and the shipped `devices.schema.json` (generated from it by
 * `npm run schema`, checked by a test).
 */

const strict = { additionalProperties: false } as const;
const Obj = <T extends Record<string, TSchema>>(props: T, description: string) =>
  Type.Object(props, { ...strict, description, default: {} });

const Ms = (def: number, description: string, minimum = 10) =>
  Type.Integer({ minimum, maximum: 86_400_000, default: def, description });

const DigitalPin = Type.String({
  pattern: '^(D([2-9]|1[0-3])|A[0-5])$',
  description: 'Arduino Uno pin: D2–D13 or A0–A5 (D0/D1 carry the serial link).',
});
const AnalogPin = Type.String({ pattern: '^A[0-5]$', description: 'Analog input A0–A5.' });
const PwmPin = Type.Union(
  [
    Type.Literal('D3'),
    Type.Literal('D5'),
    Type.Literal('D6'),
    Type.Literal('D9'),
    Type.Literal('D10'),
    Type.Literal('D11'),
  ],
  {
    description: 'A PWM-capable Uno pin.',
  },
);
const pin = (def: string, schema = DigitalPin) => Type.Unsafe<string>({ ...schema, default: def });
const pwm = (def: string) => Type.Unsafe<string>({ ...PwmPin, default: def });

const Qos = Type.Union([Type.Literal(0), Type.Literal(1)], { description: 'MQTT QoS (RabbitMQ grants at most 1).' });
const Topic = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[^#+\\u0000]+$',
  description: 'An MQTT topic name (no wildcards). Levels are separated by /, never by dots (RabbitMQ maps / to .).',
});
const RouteName = Type.Union(
  ROUTE_NAMES.map((r) => Type.Literal(r)),
  { description: 'A report route (a key of bus.routes).' },
);
/**
 * Default report topics: AMQP keys webos.report.smarthome.info|error, bound by no original component's request queue
 * (docs/bus.md).
 */
export const REPORT_INFO = 'webos/report/smarthome/info';
export const REPORT_ERROR = 'webos/report/smarthome/error';

const route = (topic: string, qos: 0 | 1, description: string, retain = false) =>
  Type.Object(
    {
      topic: Type.Unsafe<string>({ ...Topic, default: topic }),
      qos: Type.Unsafe<0 | 1>({ ...Qos, default: qos }),
      retain: Type.Boolean({
        default: retain,
        description: 'Publish retained (RabbitMQ delivers retained messages only to exact-topic subscribers).',
      }),
    },
    { ...strict, description, default: {} },
  );

export const DevicesSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    device: Obj(
      {
        id: Type.String({
          pattern: '^[A-Za-z0-9_-]{1,64}$',
          default: 'smarthome',
          description: 'The home id carried in every report.',
        }),
        name: Type.String({
          maxLength: 200,
          default: 'Car2Home smarthome',
          description: 'A human name, shown by `watch`.',
        }),
      },
      'Which home this is.',
    ),
    appliances: Obj(
      {
        aircon: Obj(
          {
            dutyPerPowerStep: Type.Integer({
              minimum: 1,
              maximum: 28,
              default: 25,
              description: 'Fan PWM duty (of 255) per power step 0–9.',
            }),
            pins: Obj({ fan: pwm('D3') }, 'Air-con fan PWM output.'),
          },
          'The air conditioner: a cooling fan, power 0–9 (status digits 1–2).',
        ),
        light: Obj(
          {
            dutyPerBrightnessStep: Type.Integer({
              minimum: 1,
              maximum: 28,
              default: 25,
              description: 'Light level (of 255) per brightness step 0–9.',
            }),
            sleepStepMs: Ms(150, 'Effect 1 (sleep, breathing): time per step; 10 steps up, 10 down.'),
            guideStepMs: Ms(1450, 'Effect 2 (guide): time per colour of the colour cycle.'),
            treeStepMs: Ms(500, 'Effect 3 (tree): time per alternation of the selected and next colour.'),
            pins: Obj({ red: pwm('D5'), green: pwm('D6'), blue: pwm('D11') }, 'RGB mood light PWM outputs.'),
          },
          'The mood light: on, brightness 0–9, colour 0–7, effect 0–3 (status digits 3–6).',
        ),
        window: Obj(
          {
            closedDeg: Type.Integer({ minimum: 0, maximum: 180, default: 0, description: 'Servo angle when closed.' }),
            openDeg: Type.Integer({ minimum: 0, maximum: 180, default: 110, description: 'Servo angle when open.' }),
            msPerDegree: Ms(10, 'Servo travel time per degree.', 1),
            contactDebounceMs: Ms(
              2000,
              'How long the window contact must disagree with the status before the status follows it.',
            ),
            pins: Obj(
              { servo: pin('D9'), contact: pin('D10') },
              'Servo signal (50 Hz pulses) and window contact input (high = open).',
            ),
          },
          'The window servo and its contact (status digit 7).',
        ),
        gasValve: Obj(
          { pins: Obj({ output: pin('D8') }, 'Gas valve output (high = open).') },
          'The gas valve (status digit 8).',
        ),
      },
      'Appliances the home drives.',
    ),
    sensors: Obj(
      {
        climate: Obj(
          {
            periodMs: Ms(60_000, 'Temperature and humidity reading period.', 100),
            firstReadingMs: Ms(2_000, 'First reading after boot (a DHT11 needs 1–2 s after power-up).', 0),
            serial: Obj(
              {
                part: Type.Unsafe<'dht11'>({
                  type: 'string',
                  enum: ['dht11'],
                  default: 'dht11',
                  description: 'Part read by our firmware (serial and firmware links).',
                }),
                pin: pin('D2'),
              },
              'Temperature/humidity part for the links that run our sketch.',
            ),
            firmata: Obj(
              {
                temperature: Obj(
                  {
                    part: Type.Unsafe<'tmp36' | 'lm35'>({
                      type: 'string',
                      enum: ['tmp36', 'lm35'],
                      default: 'tmp36',
                      description: 'Analog temperature part johnny-five reads (StandardFirmata cannot read a DHT11).',
                    }),
                    pin: pin('A0', AnalogPin),
                  },
                  'Temperature sensor on the Firmata link.',
                ),
                humidity: Obj(
                  {
                    part: Type.Unsafe<'hih4030'>({
                      type: 'string',
                      enum: ['hih4030'],
                      default: 'hih4030',
                      description: 'Analog humidity part (linear output).',
                    }),
                    pin: pin('A2', AnalogPin),
                  },
                  'Humidity sensor on the Firmata link.',
                ),
              },
              'Parts the Firmata link reads.',
            ),
          },
          'Temperature and humidity.',
        ),
        rain: Obj(
          {
            periodMs: Ms(2_000, 'Rain reading period.', 100),
            pin: pin('A1'),
            activeLow: Type.Boolean({ default: true, description: 'The sensor pulls its output low when wet.' }),
          },
          'Rain sensor (digital output).',
        ),
        buttons: Obj(
          {
            holdMs: Ms(1_000, 'A button held this long toggles its appliance and clears the mode digit.'),
            pins: Obj(
              { aircon: pin('D4'), light: pin('D7'), gas: pin('D12') },
              'Buttons to GND, inputs with pull-ups.',
            ),
          },
          'Local push buttons.',
        ),
      },
      'Sensors the home reads.',
    ),
    modes: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
      minItems: 5,
      maxItems: 5,
      default: ['individual', 'indoor', 'outing', 'sleep', 'eco'],
      description:
        'Names of modes 0–4 (status digit 0). The mode is a label: senders expand presets into full commands.',
    }),
    environment: Obj(
      {
        seed: Type.Integer({
          minimum: 0,
          maximum: 4294967295,
          default: 1,
          description: 'Random seed: same seed, same history.',
        }),
        stepMs: Ms(10_000, 'Integration step of the room physics.', 100),
        startHour: Type.Number({
          minimum: 0,
          maximum: 24,
          default: 12,
          description: 'Time of day at start (hours) for the outdoor daily cycle.',
        }),
        outdoor: Obj(
          {
            temperatureMean: Type.Number({ minimum: -40, maximum: 50, default: 24 }),
            temperatureAmplitude: Type.Number({
              minimum: 0,
              maximum: 20,
              default: 5,
              description: 'Half the daily swing, °C; warmest at 15:00.',
            }),
            humidityMean: Type.Number({ minimum: 0, maximum: 100, default: 65 }),
            humidityAmplitude: Type.Number({
              minimum: 0,
              maximum: 50,
              default: 15,
              description: 'Half the daily swing, % RH; most humid at 03:00.',
            }),
            rainHumidity: Type.Number({
              minimum: 0,
              maximum: 100,
              default: 95,
              description: 'Outdoor humidity while it rains.',
            }),
          },
          'Outdoor conditions.',
        ),
        indoor: Obj(
          {
            temperature: Type.Number({
              minimum: -20,
              maximum: 60,
              default: 27,
              description: 'Indoor temperature at start, °C.',
            }),
            humidity: Type.Number({
              minimum: 0,
              maximum: 100,
              default: 55,
              description: 'Indoor humidity at start, % RH.',
            }),
            closedTimeConstantMin: Type.Number({
              exclusiveMinimum: 0,
              maximum: 10_000,
              default: 240,
              description: 'Minutes for indoor to close 63 % of the gap to outdoor, window closed.',
            }),
            openTimeConstantMin: Type.Number({
              exclusiveMinimum: 0,
              maximum: 10_000,
              default: 20,
              description: 'Same with the window open.',
            }),
          },
          'The room.',
        ),
        aircon: Obj(
          {
            coolingPerPowerStep: Type.Number({
              minimum: 0,
              maximum: 10,
              default: 0.6,
              description: 'Indoor temperature fall per hour per power step (°C/h), window closed.',
            }),
            dryingPerPowerStep: Type.Number({
              minimum: 0,
              maximum: 20,
              default: 1.0,
              description: 'Indoor humidity fall per hour per power step (% RH/h).',
            }),
            minimumTemperature: Type.Number({
              minimum: -20,
              maximum: 40,
              default: 16,
              description: 'The air-con cannot cool below this.',
            }),
          },
          'How the air-con changes the room.',
        ),
        rain: Obj(
          {
            meanDryHours: Type.Number({
              exclusiveMinimum: 0,
              maximum: 10_000,
              default: 6,
              description: 'Mean length of a dry spell (exponential).',
            }),
            meanRainHours: Type.Number({
              exclusiveMinimum: 0,
              maximum: 10_000,
              default: 1,
              description: 'Mean length of a rain episode (exponential).',
            }),
            raining: Type.Boolean({ default: false, description: 'Whether it rains at start.' }),
          },
          'Rain episodes.',
        ),
      },
      'The emulated room around the home (emulated and firmware links).',
    ),
    bus: Obj(
      {
        exchange: Type.String({
          default: 'webos.topic',
          description: "RabbitMQ's MQTT exchange (documentation; the broker decides).",
        }),
        commandFilter: Type.String({
          default: 'webos/smarthome/#',
          description: "Where commands arrive (AMQP binding webos.smarthome.#). Covers Android's bare webos/smarthome.",
        }),
        ignoredTopics: Type.Array(Topic, {
          default: ['webos/smarthome/error', 'webos/smarthome/warning'],
          description:
            'Topics under the command filter whose text is logged, never applied (the backend sends plain-text ' +
            'errors there).',
        }),
        clientId: Type.String({
          pattern: '^[A-Za-z0-9_.-]{1,64}$',
          default: 'smarthome-bridge',
          description:
            'MQTT client id; unique per running bridge (not PSW_Arduino unless replacing the original board).',
        }),
        keepaliveS: Type.Integer({ minimum: 5, maximum: 3600, default: 15 }),
        maxPayloadBytes: Type.Integer({
          minimum: 16,
          maximum: 1_048_576,
          default: 4096,
          description: 'Larger incoming payloads are rejected with an error report.',
        }),
        maxErrorReportsPerSecond: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 10,
          description:
            'Error reports beyond this many in any one second are counted, not published. Device errors (a ' +
            'garbled serial line) and errors about commands have a cap each, so garbage from the device cannot ' +
            'crowd out the answer to a command.',
        }),
        commandTimeoutMs: Ms(
          3_000,
          'How long a command may take on the device before it is reported as timed out.',
          100,
        ),
        routes: Obj(
          {
            status: route(
              REPORT_INFO,
              0,
              'Status reports (on every change). Retained, so a new subscriber of the topic learns the current ' +
                'status (or, from the retained will, that the home is offline).',
              true,
            ),
            sensor: route(
              REPORT_INFO,
              0,
              'Sensor readings (on change beyond the dead band, plus a heartbeat; bus.sensorReports).',
            ),
            event: route(REPORT_INFO, 0, 'Button and window-contact events.'),
            ack: route(REPORT_INFO, 0, 'Acknowledgements of commands.'),
            error: route(REPORT_ERROR, 0, 'Errors with reasons.'),
            availability: route(
              REPORT_INFO,
              0,
              'Online at connect; offline as the will message and at a clean stop. Retained, like status, on ' +
                'the same topic.',
              true,
            ),
            health: route(REPORT_INFO, 0, 'Periodic health counters.'),
          },
          'Where each kind of report goes. Never under the command filter: it would loop back as a command. ' +
            'The defaults are consumed by no original Car2Home component (webos/server/… would reach the backend ' +
            'as requests it cannot handle: docs/bus.md).',
        ),
        sensorReports: Obj(
          {
            mode: Type.Unsafe<'change' | 'period'>({
              type: 'string',
              enum: ['change', 'period'],
              default: 'change',
              description:
                'change: a reading is published when it moved beyond the dead band since the last published ' +
                'one, or when heartbeatMs passed (a home at rest is quiet); period: every reading, on the ' +
                'sensor periods (load tests; set by an explicit --report-period).',
            }),
            heartbeatMs: Ms(
              900_000,
              'In change mode: a sensor unchanged for this long is published anyway, so a reader knows it is alive.',
              1000,
            ),
            deadBand: Obj(
              {
                temperature: Type.Number({
                  minimum: 0,
                  maximum: 50,
                  default: 0.5,
                  description: 'Temperature change (°C) that is reported at once.',
                }),
                humidity: Type.Number({
                  minimum: 0,
                  maximum: 100,
                  default: 3,
                  description: 'Humidity change (% RH) that is reported at once.',
                }),
              },
              'Changes smaller than these wait for the heartbeat. Rain is reported on every change.',
            ),
          },
          'How sensor readings reach the bus. The link still reads on sensors.*.periodMs, and --rtdb-file ' +
            'follows every change.',
        ),
        healthPeriodMs: Ms(900_000, 'Health report period (0 = off).', 0),
        pubackTimeoutMs: Ms(
          10_000,
          'A QoS 1 publish the broker has not acknowledged within this time forces a reconnect (a RabbitMQ ' +
            'connection can go silently dead after a channel error); the message is sent again. 0 = off.',
          0,
        ),
        queue: Obj(
          {
            capacity: Type.Integer({
              minimum: 1,
              maximum: 1_000_000,
              default: QUEUE_DEFAULTS.capacity,
              description: 'Reports kept while the broker is away (CLI --queue-size).',
            }),
            latestWins: Type.Array(RouteName, {
              uniqueItems: true,
              default: [...QUEUE_DEFAULTS.latestWins],
              description:
                'Routes where a queued report is replaced by a newer one on the same topic (the newer says all ' +
                'the older did).',
            }),
            dropOrder: Type.Array(RouteName, {
              uniqueItems: true,
              default: [...QUEUE_DEFAULTS.dropOrder],
              description:
                'When the queue is full, the oldest report of the first route in this list that has one is ' +
                'dropped (and counted); a newcomer whose route comes earlier in the list than every queued ' +
                'report is itself dropped. Routes not listed are never dropped for another; a report of such a ' +
                'route that does not fit is itself dropped.',
            }),
            fsyncIntervalMs: Ms(
              QUEUE_DEFAULTS.fsyncIntervalMs,
              'With --queue-file: how often the journal is flushed to disk (writes survive a crash of the ' +
                'bridge at once; this bounds what a power cut can lose).',
              0,
            ),
          },
          'The outgoing queue used while the broker is away (docs/failure-behaviour.md).',
        ),
      },
      'The MQTT side (Car2Home bus).',
    ),
    emergency: Obj(
      {
        exchange: Type.String({
          default: 'webos.fanout',
          description: 'AMQP fanout exchange carrying emergency broadcasts.',
        }),
        command: Type.String({
          pattern: '^[0-4][0-2][0-9][0-2][0-9][0-7][0-3][0-2][0-2]$',
          default: '022222220',
          description: 'Command applied on an emergency (default: close the gas valve, keep the rest).',
        }),
      },
      'Emergency broadcasts: how the home reacts.',
    ),
  },
  {
    ...strict,
    title: 'smarthome-bridge devices.json',
    description: 'The smarthome: appliances, sensors, pins, ranges, periods, physics, bus routes.',
  },
);

export type DevicesConfig = Static<typeof DevicesSchema>;

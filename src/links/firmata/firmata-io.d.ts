/**
 * The part of firmata-io 2.3.0 (firmata.js without serialport) that the Firmata link uses. The package
 * ships no types, and `@types/firmata` describes the older `firmata` API.
 */
declare module 'firmata-io' {
  import type { EventEmitter } from 'node:events';

  namespace bindTransport {
    /** What firmata-io talks through: a serialport stream or any emitter with the same shape. */
    interface Transport extends EventEmitter {
      write(data: Buffer | number[], callback?: (error?: Error | null) => void): unknown;
    }

    interface FirmataOptions {
      /** ms before an explicit version request when the board did not report on its own (default 5000). */
      reportVersionTimeout?: number;
      samplingInterval?: number;
      skipCapabilities?: boolean;
    }

    interface PinInfo {
      supportedModes: number[];
      mode?: number;
      value?: number;
      report?: number;
      analogChannel: number;
    }

    class Firmata extends EventEmitter {
      constructor(transport: Transport, options?: FirmataOptions, callback?: (error?: Error) => void);
      readonly transport: Transport;
      isReady: boolean;
      versionReceived: boolean;
      reportVersionTimeoutId: ReturnType<typeof setTimeout> | undefined;
      readonly MODES: {
        INPUT: number;
        OUTPUT: number;
        ANALOG: number;
        PWM: number;
        SERVO: number;
        PULLUP: number;
      };
      readonly HIGH: 1;
      readonly LOW: 0;
      pins: PinInfo[];
      analogPins: number[];
      /** The byte each digital port is written with (input bits hold the level last read). */
      ports: number[];
      version: { major?: number; minor?: number };
      firmware: { name?: string; version?: { major: number; minor: number } };
      pinMode(pin: number, mode: number): this;
      digitalWrite(pin: number, value: number): this;
      analogWrite(pin: number, value: number): this;
      servoConfig(pin: number, min: number, max: number): this;
      servoWrite(pin: number, value: number): this;
      digitalRead(pin: number, callback: (value: number) => void): this;
      analogRead(pin: number, callback: (value: number) => void): this;
      reportAnalogPin(pin: number, value: 0 | 1): void;
      reportDigitalPin(pin: number, value: 0 | 1): void;
      setSamplingInterval(interval: number): this;
    }
  }

  /** `require('firmata-io')(Transport)` binds a default transport; `.Firmata` takes one per instance. */
  function bindTransport(transport: unknown): typeof bindTransport.Firmata;

  export = bindTransport;
}

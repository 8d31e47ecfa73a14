import { RealClock } from '../environment/clock.js';
import { EmulatedLink } from './emulated.js';
import type { Link, LinkContext, LinkSpec } from './link.js';

export type { LinkContext, LinkSpec } from './link.js';

/** Builds a link; heavy links are imported only when asked for, so `npm start` stays quick. */
export async function createLink(spec: LinkSpec, ctx: LinkContext): Promise<Link> {
  switch (spec.kind) {
    case 'emulated':
      return new EmulatedLink({
        config: ctx.config,
        clock: ctx.clock,
        ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
        ...(spec.initialStatus !== undefined ? { initialStatus: spec.initialStatus } : {}),
      });
    case 'serial': {
      const { SerialLink } = await import('./serial/serial-link.js');
      return new SerialLink({
        path: spec.port,
        baudRate: spec.baudRate,
        // A real board keeps real time: ack timeouts and the heartbeat watchdog ignore --speed.
        clock: ctx.clock.speed === 1 ? ctx.clock : new RealClock(),
        logger: ctx.logger,
        commandTimeoutMs: ctx.config.bus.commandTimeoutMs,
        build: ctx.config,
      });
    }
    case 'replay': {
      const { ReplayLink } = await import('./replay/replay-link.js');
      // The recording plays on the given clock: virtual in tests, so its hours pass in milliseconds.
      return ReplayLink.fromFile(spec.file, {
        clock: ctx.clock,
        logger: ctx.logger,
        commandTimeoutMs: ctx.config.bus.commandTimeoutMs,
      });
    }
    case 'firmware': {
      const { FirmwareLink } = await import('./firmware/firmware-link.js');
      const clockSpeed = Number.isFinite(ctx.clock.speed) ? ctx.clock.speed : 1;
      // The board keeps the clock's pace, and board time starts at the clock's now, so report times line up.
      return FirmwareLink.fromFile(spec.hex, {
        config: ctx.config,
        speed: spec.speed ?? (spec.pacing === 'unpaced' ? Infinity : clockSpeed),
        origin: ctx.clock.now(),
        seed: spec.seed,
        logger: ctx.logger,
      });
    }
    case 'firmata': {
      // johnny-five is heavy: loaded only for this link. Parts it cannot drive are refused before the port opens.
      const { createFirmataLink } = await import('./firmata/create-firmata.js');
      return createFirmataLink(spec, ctx);
    }
    default:
      throw new Error(`link ${(spec as { kind: string }).kind} is not available in this build`);
  }
}

import { RealClock } from '../../environment/clock.js';
import type { BindingInterface } from '../../board/serialport-types.js';
import type { LinkContext } from '../link.js';
import { FirmataLink } from './firmata-link.js';
import { serialFirmataPort } from './port.js';

export interface FirmataLinkSpec {
  /** /dev/ttyACM0, a pseudo-terminal, or `avr:<absolute .hex path>` for StandardFirmata on the emulated board. */
  port: string;
  baudRate?: number | undefined;
}

/**
 * `--link firmata`: a real board keeps real time, so the home runs on a real-time clock whatever
 * `--speed` says. An `avr:` port runs the emulated board paced to real time, like a real one; on a
 * loaded host it may fall behind the wall clock, so it gets more time to answer and to stay quiet.
 */
export async function createFirmataLink(spec: FirmataLinkSpec, ctx: LinkContext): Promise<FirmataLink> {
  const clock = ctx.clock.speed === 1 ? ctx.clock : new RealClock();
  let binding: BindingInterface | undefined;
  const emulated = spec.port.startsWith('avr:');
  if (emulated) {
    const { createAvrBinding } = await import('../../board/avr-binding.js');
    binding = createAvrBinding({ run: { speed: 1 } });
  }
  return new FirmataLink({
    config: ctx.config,
    clock,
    logger: ctx.logger,
    openPort: () => serialFirmataPort({ path: spec.port, baudRate: spec.baudRate, binding }),
    ...(emulated ? { readyTimeoutMs: 60_000, silenceMs: 15_000 } : {}),
  });
}

import type { Clock } from '../environment/clock.js';
import { EmulatedLink } from './emulated.js';
import type { Link } from './link.js';
import { hasPhysicalAccess, type PhysicalAccess } from './physical.js';

/**
 * Physical access to the emulated link: its room (Environment) and its home's buttons and window,
 * both in-process. The room is told the link clock's time with every change, so a change lands exactly
 * when the test made it.
 */
export function emulatedPhysicalAccess(link: EmulatedLink, clock: Clock): PhysicalAccess {
  const { environment, home } = link;
  return {
    setConditions(c) {
      const t = clock.now();
      if (c.indoorTemperature !== undefined || c.indoorHumidity !== undefined) {
        environment.setIndoor(t, { temperature: c.indoorTemperature, humidity: c.indoorHumidity });
      }
      const overrides = {
        ...(c.outdoorTemperature !== undefined ? { outdoorTemperature: c.outdoorTemperature } : {}),
        ...(c.outdoorHumidity !== undefined ? { outdoorHumidity: c.outdoorHumidity } : {}),
        ...(c.raining !== undefined ? { raining: c.raining } : {}),
      };
      if (Object.keys(overrides).length > 0) environment.setOverrides(t, overrides);
    },
    press: (button) => home.press(button),
    release: (button) => home.release(button),
    pushWindow: (open) => home.pushWindow(open),
    outputs: () => home.outputs(),
  };
}

/** The physical access a link offers, if any (the emulated link's through the adapter above). */
export function physicalAccessOf(link: Link, clock: Clock): PhysicalAccess | undefined {
  if (hasPhysicalAccess(link)) return link.physical;
  if (link instanceof EmulatedLink) return emulatedPhysicalAccess(link, clock);
  return undefined;
}

import type { Clock, Timer } from '../../environment/clock.js';
import type { Home } from '../../home/home.js';
import { BUTTONS } from '../../home/types.js';
import type { FirmataInput } from './inputs.js';

/**
 * After a (re)connect the window contact is trusted only this long: Firmata attaches the servo at
 * 1500 µs before the home's angle arrives, and that twitch (one 20 ms pulse at 90°) can flick the
 * contact. Then its reading is passed on once, so a window moved by hand while the bridge was away is
 * still noticed.
 */
export const CONTACT_SETTLE_MS = 200;
/**
 * A contact change counts as a hand moving the window once it has held this long. The home follows a
 * pushed window with the servo at once (the window is where the hand left it), so a contact's bounce
 * (a few ms) must not count: it would drive the window open. Short next to the home's 2 s debounce, so
 * the status follows a hand as promptly as on the other links (within two of the home's 10 ms ticks).
 */
export const CONTACT_STABLE_MS = 15;

/**
 * The board's inputs as the home hears them: a button going down or up is a press or release (the
 * home times the 1 s hold), a contact change that holds is a window moved by hand (the home ignores it
 * while the servo travels: that is the servo's own doing), rain is kept for the home's next rain reading.
 */
export class HomeInputs {
  /** The rain sensor's last reading (kept while the board is away). */
  raining = false;
  #settle: Timer | undefined;
  #contactChange: Timer | undefined;

  constructor(
    readonly home: Home,
    readonly clock: Clock,
    /** The contact's current reading, if the board has reported it. */
    readonly contactOpen: () => boolean | undefined,
  ) {}

  /** A board answered: the contact counts after CONTACT_SETTLE_MS. */
  connected(): void {
    this.clock.clearTimer(this.#settle);
    this.#settle = this.clock.setTimer(CONTACT_SETTLE_MS, () => {
      this.#settle = undefined;
      const open = this.contactOpen();
      if (open !== undefined) this.home.pushWindow(open);
    });
  }

  /** The board is gone: nobody can hold a button on a board we cannot hear. */
  disconnected(): void {
    this.clock.clearTimer(this.#settle);
    this.clock.clearTimer(this.#contactChange);
    this.#settle = this.#contactChange = undefined;
    for (const b of BUTTONS) this.home.release(b);
  }

  handle(input: FirmataInput): void {
    switch (input.input) {
      case 'button':
        if (input.down) this.home.press(input.button);
        else this.home.release(input.button);
        return;
      case 'contact':
        if (this.#settle) return;
        this.clock.clearTimer(this.#contactChange);
        this.#contactChange = this.clock.setTimer(CONTACT_STABLE_MS, () => {
          this.#contactChange = undefined;
          this.home.pushWindow(input.open);
        });
        return;
      case 'rain':
        this.raining = input.raining;
        return;
    }
  }
}

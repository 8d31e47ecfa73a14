import { TypedEmitter } from '../core/events.js';
import type { StatusString } from '../home/types.js';
import type { Link, LinkEvents, LinkKind, LinkState } from './link.js';

/**
 * A link that is another link, re-emitting its events: the base for wrappers that add something (a
 * different kind, a check before a command, bookkeeping) without touching the inner link.
 */
export class DelegatingLink extends TypedEmitter<LinkEvents> implements Link {
  readonly inner: Link;

  constructor(inner: Link) {
    super();
    this.inner = inner;
    const forward = <K extends keyof LinkEvents & string>(event: K) =>
      inner.on(event, (...args: LinkEvents[K]) => {
        this.onEvent(event);
        this.emit(event, ...args);
      });
    forward('status');
    forward('sensor');
    forward('event');
    forward('error');
    forward('state');
  }

  get kind(): LinkKind {
    return this.inner.kind;
  }
  get state(): LinkState {
    return this.inner.state;
  }
  get status(): StatusString | undefined {
    return this.inner.status;
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  apply(command: StatusString): Promise<StatusString> {
    return this.inner.apply(command);
  }
  requestStatus(): Promise<StatusString> {
    return this.inner.requestStatus();
  }
  counters(): Record<string, number> {
    return this.inner.counters();
  }

  /** Called before each event is re-emitted. */
  protected onEvent(_event: keyof LinkEvents & string): void {}
}

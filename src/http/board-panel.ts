import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Board } from '../board/board.js';
import type { DevicesConfig } from '../config/schema.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { BUTTONS, type ButtonName } from '../home/types.js';
import type { EnvironmentWiring } from '../links/firmware/wiring.js';
import { panelUrl, type HttpBind } from './address.js';
import { boardSnapshot } from './board-view.js';
import type { Panel } from './home-panel.js';
import { PanelServer, readJson, sendJson } from './server.js';

/**
 * `virtual-arduino --http`: the board view alone (there is no bridge and no bus in that process, only
 * the emulated Uno and its room). The buttons are pressed through the wiring, as the harness does.
 */
export interface BoardPanelOptions {
  board: Board;
  wiring: EnvironmentWiring;
  config: DevicesConfig;
  bind: HttpBind;
  /** Board ms per wall ms, to hold a clicked button long enough on the board's clock. */
  speed: number;
}

export async function startBoardPanel(o: BoardPanelOptions): Promise<Panel> {
  const server = new PanelServer(o.bind, {
    get: {
      '/': (_q, res) => void res.writeHead(302, { Location: '/board' }).end(),
      '/api/board': (_q, res) => sendJson(res, 200, boardSnapshot(o.board, o.wiring, o.config)),
    },
    post: { '/api/press': (q, res) => pressButton(q, res, o.wiring, o.config.sensors.buttons.holdMs, o.speed) },
  });
  await server.start();
  return { port: server.port, url: `${panelUrl(o.bind.host, server.port)}board`, stop: () => server.stop() };
}

/** POST {button, action: press | release | click}: a click holds the button a little past holdMs. */
export async function pressButton(
  req: IncomingMessage,
  res: ServerResponse,
  physical: Pick<EnvironmentWiring, 'press' | 'release'> | undefined,
  holdMs: number,
  speed: number,
): Promise<void> {
  const body = (await readJson(req)) as { button?: unknown; action?: unknown };
  if (!physical) throw new BridgeError(ErrorCode.PHYSICAL_UNSUPPORTED, 'this link has no buttons the panel can press');
  const button = body.button as ButtonName;
  if (!BUTTONS.includes(button))
    throw new BridgeError(ErrorCode.PAYLOAD_INVALID, `button must be one of ${BUTTONS.join(', ')}`);
  const action = body.action ?? 'click';
  if (action === 'press') physical.press(button);
  else if (action === 'release') physical.release(button);
  else if (action === 'click') {
    physical.press(button);
    setTimeout(() => physical.release(button), (holdMs + 250) / speed);
  } else throw new BridgeError(ErrorCode.PAYLOAD_INVALID, 'action must be press, release or click');
  sendJson(res, 200, { button, action });
}

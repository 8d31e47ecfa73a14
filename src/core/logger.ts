import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * The process logger: JSON lines on stderr (stdout stays free for command output and the live view),
 * or on `destination` (the live view puts them above its region on a terminal).
 */
export function createLogger(
  level: LevelWithSilent = 'info',
  name = 'smarthome-bridge',
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(
    { name, level, redact: { paths: ['password', '*.password', 'options.password'], censor: '***' } },
    destination,
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
